/*
 * core/json.c: the strict JSON reader and the streaming writer of
 * core/json.h.
 *
 * Reader: a recursive-descent parser that runs twice over the text. The
 * first pass validates and counts (values, string bytes, scratch slots); the
 * second, into one allocation sized by the first, builds the tree. Running
 * the same code in both passes means the counts cannot drift from what the
 * builder uses. Children of a container are collected on a scratch stack
 * while it is parsed and copied into one contiguous block when it closes, so
 * arrays and objects index in O(1) and keep document order.
 *
 * Writer: a stack of open containers decides where commas, keys and
 * newlines go; the first error is kept and every later call is a no-op.
 */
#include "core/json.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <float.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ shared */

/* Length of the valid UTF-8 sequence at p (1 to 4), or 0 when the bytes there
 * are not one: stray continuation bytes, overlong forms, UTF-16 surrogates
 * (U+D800..U+DFFF), code points above U+10FFFF and sequences cut by end all
 * give 0 (RFC 3629 section 4, the table of well-formed byte sequences). */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end) {
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0; /* below is overlong */
        else if (c == 0xED)
            hi = 0x9F; /* above encodes a surrogate */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90; /* below is overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above is beyond U+10FFFF */
    } else {
        return 0;
    }
    if ((size_t)(end - p) < len)
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++) {
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    }
    return len;
}

/* The C locale for LC_NUMERIC, so that strtod and printf use '.' even when
 * the application called setlocale(LC_ALL, "") in a locale with a decimal
 * comma. (locale_t)0 when it cannot be made; callers then keep the thread's
 * locale, which is right for every application that never set one. */
static locale_t c_numeric_locale(void) {
    return newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

/* ================================================================ reader */

struct RomcvJsonDoc {
    const RomcvJsonValue *root;
    const char *label;
};

typedef struct Parser {
    const unsigned char *begin; /* the text */
    const unsigned char *p;     /* next byte to read */
    const unsigned char *end;
    int build; /* 0: first pass (validate and count), 1: build the tree */
    int depth; /* containers open around p */
    int max_depth;

    /* Where p's line starts, and how many UTF-8 continuation bytes lie
     * between there and p, so columns count characters in O(1). */
    uint32_t line;
    const unsigned char *line_start;
    size_t continuation_bytes;

    /* Counted by both passes; the first pass's totals size the allocation. */
    size_t values;       /* every value but the root */
    size_t string_bytes; /* decoded strings and keys with their NULs */
    size_t stack_len;    /* scratch slots in use */
    size_t stack_max;

    /* Build pass only. */
    RomcvJsonValue *nodes; /* children blocks, filled as containers close */
    size_t nodes_used;
    RomcvJsonValue *stack; /* children of the open containers */
    char *strings;
    size_t strings_used;

    /* The first error. */
    int failed;
    int error_code;
    const unsigned char *error_at;
    char message[256];
} Parser;

static void fail_code(Parser *ps, int code, const unsigned char *at, const char *fmt, ...)
    ROMCV_PRINTF(4, 5);

static void fail_code(Parser *ps, int code, const unsigned char *at, const char *fmt, ...) {
    if (ps->failed)
        return;
    ps->failed = 1;
    ps->error_code = code;
    ps->error_at = at;
    va_list args;
    va_start(args, fmt);
    vsnprintf(ps->message, sizeof ps->message, fmt, args);
    va_end(args);
}

/* Describes the byte at p for "found ..." in messages. */
static const char *describe(const unsigned char *p, const unsigned char *end, char buf[16]) {
    if (p >= end)
        return "end of input";
    if (*p >= 0x21 && *p <= 0x7E && *p != '\'')
        snprintf(buf, 16, "'%c'", *p);
    else if (*p == ' ')
        snprintf(buf, 16, "a space");
    else
        snprintf(buf, 16, "byte 0x%02X", *p);
    return buf;
}

/* "expected <what>, found <the byte at p>", at p. Always returns -1. */
static int fail_expected(Parser *ps, const char *what) {
    char buf[16];
    fail_code(ps, ROMCV_E_INVALID_DATA, ps->p, "expected %s, found %s", what,
              describe(ps->p, ps->end, buf));
    return -1;
}

static void skip_whitespace(Parser *ps) {
    while (ps->p < ps->end) {
        unsigned char c = *ps->p;
        if (c == '\n') {
            ps->p++;
            ps->line++;
            ps->line_start = ps->p;
            ps->continuation_bytes = 0;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            ps->p++;
        } else {
            break;
        }
    }
}

/* Starts a value of the given type at p, recording its position. */
static void start_value(Parser *ps, RomcvJsonValue *v, RomcvJsonType type) {
    memset(v, 0, sizeof *v);
    v->type_ = (uint32_t)type;
    v->line_ = ps->line;
    v->column_ = (uint32_t)((size_t)(ps->p - ps->line_start) - ps->continuation_bytes + 1);
}

/* Appends a finished child to the scratch stack of the innermost container. */
static void push_child(Parser *ps, const RomcvJsonValue *v) {
    if (ps->build)
        ps->stack[ps->stack_len] = *v;
    ps->stack_len++;
    ps->values++;
    if (ps->stack_len > ps->stack_max)
        ps->stack_max = ps->stack_len;
}

/* Moves the top count scratch entries (the container's children) into the
 * node area and points v at them. */
static void close_container(Parser *ps, RomcvJsonValue *v, size_t base) {
    size_t count = ps->stack_len - base;
    v->count_ = (uint32_t)count;
    if (ps->build && count > 0) {
        RomcvJsonValue *block = ps->nodes + ps->nodes_used;
        memcpy(block, ps->stack + base, count * sizeof *block);
        ps->nodes_used += count;
        v->u_.children = block;
    }
    ps->stack_len = base;
}

static int compare_members(const void *a, const void *b) {
    const RomcvJsonValue *x = a, *y = b;
    size_t n = x->key_len_ < y->key_len_ ? x->key_len_ : y->key_len_;
    int c = memcmp(x->key_, y->key_, n);
    if (c != 0)
        return c;
    if (x->key_len_ != y->key_len_)
        return x->key_len_ < y->key_len_ ? -1 : 1;
    /* Equal keys: document order, so the report names the first repeat. */
    if (x->line_ != y->line_)
        return x->line_ < y->line_ ? -1 : 1;
    return x->column_ < y->column_ ? -1 : (x->column_ > y->column_);
}

/* Rejects an object that names a member twice: RFC 8259 leaves the meaning
 * to each reader, and two readers of one calibration file must not disagree.
 * Sorts the scratch copies of the members (free once close_container has
 * copied them), so the check costs O(n log n) and no memory. */
static int check_duplicate_keys(Parser *ps, size_t base, size_t count) {
    if (!ps->build || count < 2)
        return 0;
    RomcvJsonValue *members = ps->stack + base;
    qsort(members, count, sizeof *members, compare_members);
    for (size_t i = 1; i < count; i++) {
        const RomcvJsonValue *a = &members[i - 1], *b = &members[i];
        if (a->key_len_ == b->key_len_ && memcmp(a->key_, b->key_, a->key_len_) == 0) {
            /* The value's position; the message names the key, its control
             * characters shown as '?': the key comes from the file, and a
             * "\u001b[2J" in it must not reach the user's terminal as it is
             * (found by fuzz/fuzz_marker_hints.c with a tab). */
            char shown[65];
            size_t n = a->key_len_ < 64 ? a->key_len_ : 64;
            for (size_t k = 0; k < n; k++) {
                unsigned char c = (unsigned char)a->key_[k];
                shown[k] = c < 0x20 || c == 0x7f ? '?' : (char)c;
            }
            shown[n] = '\0';
            fail_code(ps, ROMCV_E_INVALID_DATA, NULL,
                      "%" PRIu32 ":%" PRIu32 ": duplicate key \"%s\" (first at %" PRIu32 ":%" PRIu32
                      ")",
                      b->line_, b->column_, shown, a->line_, a->column_);
            return -1;
        }
    }
    return 0;
}

/* Appends one decoded byte to the string being built; the first pass (dst
 * NULL) only counts. */
static void put_byte(char *dst, size_t *n, unsigned char c) {
    if (dst)
        dst[*n] = (char)c;
    (*n)++;
}

static int hex4(const unsigned char *p, const unsigned char *end, unsigned *out) {
    if (end - p < 4)
        return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v * 16 + d;
    }
    *out = v;
    return 0;
}

/* Parses the string at p (which is '"'): validates UTF-8 and escapes and, in
 * the build pass, decodes it into the string area. *out and *length get the
 * decoded text (NULL in the first pass). */
static int parse_string(Parser *ps, const char **out, uint32_t *length) {
    const unsigned char *start = ps->p;
    char *dst = ps->build ? ps->strings + ps->strings_used : NULL;
    size_t n = 0;
    char buf[16];
    ps->p++;
    for (;;) {
        if (ps->p >= ps->end) {
            fail_code(ps, ROMCV_E_INVALID_DATA, start,
                      "unterminated string (no closing '\"' before the end of input)");
            return -1;
        }
        unsigned char c = *ps->p;
        if (c == '"') {
            ps->p++;
            break;
        }
        if (c < 0x20) {
            fail_code(ps, ROMCV_E_INVALID_DATA, ps->p,
                      "control character U+%04X in a string (write it as an escape)", c);
            return -1;
        }
        if (c >= 0x80) {
            size_t len = utf8_sequence(ps->p, ps->end);
            if (len == 0) {
                fail_code(ps, ROMCV_E_INVALID_DATA, ps->p, "invalid UTF-8 (byte 0x%02X)", c);
                return -1;
            }
            for (size_t i = 0; i < len; i++)
                put_byte(dst, &n, ps->p[i]);
            ps->p += len;
            ps->continuation_bytes += len - 1;
            continue;
        }
        if (c != '\\') {
            put_byte(dst, &n, c);
            ps->p++;
            continue;
        }
        const unsigned char *escape = ps->p;
        ps->p++;
        if (ps->p >= ps->end) {
            fail_code(ps, ROMCV_E_INVALID_DATA, start,
                      "unterminated string (no closing '\"' before the end of input)");
            return -1;
        }
        unsigned char e = *ps->p++;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            put_byte(dst, &n, e);
            break;
        case 'b':
            put_byte(dst, &n, '\b');
            break;
        case 'f':
            put_byte(dst, &n, '\f');
            break;
        case 'n':
            put_byte(dst, &n, '\n');
            break;
        case 'r':
            put_byte(dst, &n, '\r');
            break;
        case 't':
            put_byte(dst, &n, '\t');
            break;
        case 'u': {
            unsigned cp;
            if (hex4(ps->p, ps->end, &cp) != 0) {
                fail_code(ps, ROMCV_E_INVALID_DATA, escape,
                          "invalid \\u escape (expected 4 hexadecimal digits)");
                return -1;
            }
            ps->p += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail_code(ps, ROMCV_E_INVALID_DATA, escape,
                          "unpaired surrogate \\u%04X (a low surrogate needs a high one before it)",
                          cp);
                return -1;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned low;
                if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' ||
                    hex4(ps->p + 2, ps->end, &low) != 0 || low < 0xDC00 || low > 0xDFFF) {
                    fail_code(ps, ROMCV_E_INVALID_DATA, escape,
                              "unpaired surrogate \\u%04X (a high surrogate needs a \\uDC00 to "
                              "\\uDFFF escape after it)",
                              cp);
                    return -1;
                }
                ps->p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            if (cp < 0x80) {
                put_byte(dst, &n, (unsigned char)cp);
            } else if (cp < 0x800) {
                put_byte(dst, &n, (unsigned char)(0xC0 | (cp >> 6)));
                put_byte(dst, &n, (unsigned char)(0x80 | (cp & 0x3F)));
            } else if (cp < 0x10000) {
                put_byte(dst, &n, (unsigned char)(0xE0 | (cp >> 12)));
                put_byte(dst, &n, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
                put_byte(dst, &n, (unsigned char)(0x80 | (cp & 0x3F)));
            } else {
                put_byte(dst, &n, (unsigned char)(0xF0 | (cp >> 18)));
                put_byte(dst, &n, (unsigned char)(0x80 | ((cp >> 12) & 0x3F)));
                put_byte(dst, &n, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
                put_byte(dst, &n, (unsigned char)(0x80 | (cp & 0x3F)));
            }
            break;
        }
        default:
            fail_code(ps, ROMCV_E_INVALID_DATA, escape,
                      "invalid escape '\\' followed by %s (valid: \\\" \\\\ \\/ \\b \\f \\n \\r "
                      "\\t \\uXXXX)",
                      describe(ps->p - 1, ps->end, buf));
            return -1;
        }
    }
    if (dst) {
        dst[n] = '\0';
        ps->strings_used += n + 1;
    }
    ps->string_bytes += n + 1;
    *out = dst;
    *length = (uint32_t)n;
    return 0;
}

static int is_digit(const Parser *ps) {
    return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9';
}

/* Parses the number at p by the RFC 8259 grammar; the build pass converts it
 * with strtod on a NUL-terminated copy (correctly rounded in glibc). */
static int parse_number(Parser *ps, RomcvJsonValue *v) {
    const unsigned char *start = ps->p;
    start_value(ps, v, ROMCV_JSON_NUMBER);
    if (*ps->p == '-')
        ps->p++;
    if (!is_digit(ps))
        return fail_expected(ps, "a digit after '-'");
    if (*ps->p == '0') {
        ps->p++;
        if (is_digit(ps)) {
            fail_code(ps, ROMCV_E_INVALID_DATA, ps->p, "leading zeros are not allowed in numbers");
            return -1;
        }
    } else {
        while (is_digit(ps))
            ps->p++;
    }
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (!is_digit(ps))
            return fail_expected(ps, "a digit after the decimal point");
        while (is_digit(ps))
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (!is_digit(ps))
            return fail_expected(ps, "a digit in the exponent");
        while (is_digit(ps))
            ps->p++;
    }
    size_t len = (size_t)(ps->p - start);
    if (len > ROMCV_JSON_MAX_NUMBER_CHARS) {
        fail_code(ps, ROMCV_E_INVALID_DATA, start, "number longer than %d characters",
                  ROMCV_JSON_MAX_NUMBER_CHARS);
        return -1;
    }
    if (ps->build) {
        char copy[ROMCV_JSON_MAX_NUMBER_CHARS + 1];
        memcpy(copy, start, len);
        copy[len] = '\0';
        char *stop;
        double d = strtod(copy, &stop);
        if (stop != copy + len) {
            /* Only when the C locale could not be selected (see
             * c_numeric_locale) and the thread's uses another decimal point. */
            fail_code(ps, ROMCV_E_INVALID_DATA, start, "number %.40s could not be converted", copy);
            return -1;
        }
        if (isinf(d)) {
            fail_code(ps, ROMCV_E_INVALID_DATA, start,
                      "number %.40s%s is out of the range of a double", copy,
                      len > 40 ? "..." : "");
            return -1;
        }
        v->u_.number = d;
    }
    return 0;
}

/* Matches the literal word at p ("true", "false", "null"). */
static int parse_literal(Parser *ps, RomcvJsonValue *v, const char *word, RomcvJsonType type) {
    start_value(ps, v, type);
    char what[16];
    snprintf(what, sizeof what, "'%s'", word);
    for (const char *w = word; *w; w++) {
        if (ps->p >= ps->end || *ps->p != (unsigned char)*w) {
            char buf[16];
            fail_code(ps, ROMCV_E_INVALID_DATA, ps->p, "invalid literal: expected %s, found %s",
                      what, describe(ps->p, ps->end, buf));
            return -1;
        }
        ps->p++;
    }
    v->u_.boolean = word[0] == 't';
    return 0;
}

static int parse_value(Parser *ps, RomcvJsonValue *v);

static int enter_container(Parser *ps) {
    if (ps->depth >= ps->max_depth) {
        fail_code(ps, ROMCV_E_INVALID_DATA, ps->p, "nesting deeper than %d levels", ps->max_depth);
        return -1;
    }
    ps->depth++;
    return 0;
}

static int parse_array(Parser *ps, RomcvJsonValue *v) {
    start_value(ps, v, ROMCV_JSON_ARRAY);
    if (enter_container(ps) != 0)
        return -1;
    ps->p++;
    size_t base = ps->stack_len;
    skip_whitespace(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
    } else {
        for (;;) {
            RomcvJsonValue child;
            if (parse_value(ps, &child) != 0)
                return -1;
            push_child(ps, &child);
            skip_whitespace(ps);
            if (ps->p < ps->end && *ps->p == ']') {
                ps->p++;
                break;
            }
            if (ps->p >= ps->end || *ps->p != ',')
                return fail_expected(ps, "',' or ']' after array element");
            ps->p++;
            skip_whitespace(ps);
            if (ps->p < ps->end && *ps->p == ']')
                return fail_expected(ps, "a value after ',' (JSON allows no trailing comma)");
        }
    }
    close_container(ps, v, base);
    ps->depth--;
    return 0;
}

static int parse_object(Parser *ps, RomcvJsonValue *v) {
    start_value(ps, v, ROMCV_JSON_OBJECT);
    if (enter_container(ps) != 0)
        return -1;
    ps->p++;
    size_t base = ps->stack_len;
    skip_whitespace(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
    } else {
        for (;;) {
            if (ps->p >= ps->end || *ps->p != '"')
                return fail_expected(ps, "'\"' to begin an object key");
            const char *key;
            uint32_t key_len;
            if (parse_string(ps, &key, &key_len) != 0)
                return -1;
            skip_whitespace(ps);
            if (ps->p >= ps->end || *ps->p != ':')
                return fail_expected(ps, "':' after object key");
            ps->p++;
            skip_whitespace(ps);
            RomcvJsonValue child;
            if (parse_value(ps, &child) != 0)
                return -1;
            child.key_ = key;
            child.key_len_ = key_len;
            push_child(ps, &child);
            skip_whitespace(ps);
            if (ps->p < ps->end && *ps->p == '}') {
                ps->p++;
                break;
            }
            if (ps->p >= ps->end || *ps->p != ',')
                return fail_expected(ps, "',' or '}' after object member");
            ps->p++;
            skip_whitespace(ps);
            if (ps->p < ps->end && *ps->p == '}')
                return fail_expected(ps, "'\"' to begin an object key after ',' (JSON allows "
                                         "no trailing comma)");
        }
    }
    size_t count = ps->stack_len - base;
    close_container(ps, v, base);
    if (check_duplicate_keys(ps, base, count) != 0)
        return -1;
    ps->depth--;
    return 0;
}

/* Parses the value at p (whitespace already skipped) into *v. */
static int parse_value(Parser *ps, RomcvJsonValue *v) {
    if (ps->p >= ps->end)
        return fail_expected(ps, "a value");
    switch (*ps->p) {
    case '{':
        return parse_object(ps, v);
    case '[':
        return parse_array(ps, v);
    case '"': {
        start_value(ps, v, ROMCV_JSON_STRING);
        const char *text;
        uint32_t len;
        if (parse_string(ps, &text, &len) != 0)
            return -1;
        v->u_.string = text;
        v->count_ = len;
        return 0;
    }
    case 't':
        return parse_literal(ps, v, "true", ROMCV_JSON_BOOL);
    case 'f':
        return parse_literal(ps, v, "false", ROMCV_JSON_BOOL);
    case 'n':
        return parse_literal(ps, v, "null", ROMCV_JSON_NULL);
    case 'N':
    case 'I':
        return fail_expected(ps, "a value (JSON has no NaN or Infinity)");
    default:
        if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
            return parse_number(ps, v);
        return fail_expected(ps, "a value");
    }
}

/* One pass over the whole text; fills *root in the build pass. */
static int run_pass(Parser *ps, RomcvJsonValue *root) {
    ps->p = ps->begin;
    ps->line = 1;
    ps->line_start = ps->begin;
    ps->continuation_bytes = 0;
    ps->depth = 0;
    ps->values = ps->string_bytes = ps->stack_len = ps->stack_max = 0;
    ps->nodes_used = ps->strings_used = 0;
    /* A UTF-8 byte order mark, as some Windows editors save. */
    if (ps->end - ps->p >= 3 && ps->p[0] == 0xEF && ps->p[1] == 0xBB && ps->p[2] == 0xBF) {
        ps->p += 3;
        ps->line_start = ps->p;
    }
    skip_whitespace(ps);
    if (parse_value(ps, root) != 0)
        return -1;
    skip_whitespace(ps);
    if (ps->p < ps->end)
        return fail_expected(ps, "the end of input after the top-level value");
    return 0;
}

/* Line and column (characters, 1-based) of at in the text. Run once, on
 * error, so a linear scan is fine. */
static void locate(const unsigned char *begin, const unsigned char *at, int *line, int *column) {
    int l = 1, c = 1;
    for (const unsigned char *q = begin; q < at; q++) {
        if (*q == '\n') {
            l++;
            c = 1;
        } else if ((*q & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *column = c;
}

static size_t align_up(size_t n) {
    size_t a = _Alignof(max_align_t);
    return (n + a - 1) / a * a;
}

RomcvJsonLimits romcv__json_default_limits(void) {
    RomcvJsonLimits limits = {ROMCV_JSON_DEFAULT_MAX_DEPTH, ROMCV_JSON_DEFAULT_MAX_SIZE};
    return limits;
}

int romcv__json_parse(RomcvJsonDoc **out, const char *text, size_t size, const char *label,
                      RomcvDiag *diag) {
    return romcv__json_parse_ex(out, text, size, label, NULL, diag);
}

int romcv__json_parse_ex(RomcvJsonDoc **out, const char *text, size_t size, const char *label,
                         const RomcvJsonLimits *limits, RomcvDiag *diag) {
    if (!out)
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "romcv__json_parse: out is NULL");
    *out = NULL;
    if (!label)
        label = "<json>";
    if (!text && size > 0)
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: text is NULL", label);
    RomcvJsonLimits lim = limits ? *limits : romcv__json_default_limits();
    if (lim.max_depth < 1 || lim.max_depth > 1000 || lim.max_size > UINT32_MAX)
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: invalid JSON limits", label);
    if (size > lim.max_size)
        return romcv_diag_set(diag, ROMCV_ERR(EFBIG), "%s: %zu bytes, more than the %zu allowed",
                              label, size, lim.max_size);

    Parser ps;
    memset(&ps, 0, sizeof ps);
    ps.begin = (const unsigned char *)(text ? text : "");
    ps.end = ps.begin + size;
    ps.max_depth = lim.max_depth;

    RomcvJsonValue root;
    int rc = run_pass(&ps, &root);
    char *block = NULL;
    if (rc == 0) {
        /* One block: document header, children, scratch stack, strings, label.
         * Every count is below size, itself below 4 GiB, so no product
         * overflows a 64-bit size_t; on 32-bit hosts the checks below catch it. */
        size_t max_values = SIZE_MAX / 4 / sizeof(RomcvJsonValue);
        if (ps.values + 1 > max_values || ps.stack_max > max_values)
            return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: document too large", label);
        size_t at_nodes = align_up(sizeof(RomcvJsonDoc));
        size_t at_stack = at_nodes + (ps.values + 1) * sizeof(RomcvJsonValue);
        size_t at_strings = at_stack + ps.stack_max * sizeof(RomcvJsonValue);
        size_t at_label = at_strings + ps.string_bytes;
        size_t total = at_label + strlen(label) + 1;
        block = malloc(total);
        if (!block)
            return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory (%zu bytes)", label,
                                  total);
        ps.nodes = (RomcvJsonValue *)(void *)(block + at_nodes);
        ps.stack = (RomcvJsonValue *)(void *)(block + at_stack);
        ps.strings = block + at_strings;
        memcpy(block + at_label, label, strlen(label) + 1);
        ps.build = 1;

        /* strtod reads the decimal point of the thread's LC_NUMERIC locale. */
        locale_t c_locale = c_numeric_locale();
        locale_t previous = c_locale ? uselocale(c_locale) : (locale_t)0;
        rc = run_pass(&ps, &root);
        if (c_locale) {
            uselocale(previous);
            freelocale(c_locale);
        }
        if (rc == 0) {
            /* The root goes last in the node area, after every children block. */
            RomcvJsonValue *stored = ps.nodes + ps.nodes_used;
            *stored = root;
            RomcvJsonDoc *doc = (RomcvJsonDoc *)(void *)block;
            doc->root = stored;
            doc->label = block + at_label;
            *out = doc;
            return 0;
        }
    }
    free(block);
    if (ps.error_at) {
        int line, column;
        locate(ps.begin, ps.error_at, &line, &column);
        return romcv_diag_set(diag, ps.error_code, "%s:%d:%d: %s", label, line, column, ps.message);
    }
    /* Errors found on the built tree carry their position in the message. */
    return romcv_diag_set(diag, ps.error_code, "%s:%s", label, ps.message);
}

void romcv__json_free(RomcvJsonDoc **doc) {
    if (!doc)
        return;
    free(*doc);
    *doc = NULL;
}

const RomcvJsonValue *romcv__json_root(const RomcvJsonDoc *doc) {
    return doc ? doc->root : NULL;
}

const char *romcv__json_label(const RomcvJsonDoc *doc) {
    return doc ? doc->label : "<json>";
}

void romcv__json_position(const RomcvJsonDoc *doc, const RomcvJsonValue *value, int *line,
                          int *column) {
    (void)doc;
    int l = value ? (int)value->line_ : 0, c = value ? (int)value->column_ : 0;
    if (line)
        *line = l;
    if (column)
        *column = c;
}

RomcvJsonType romcv__json_type(const RomcvJsonValue *value) {
    return value ? (RomcvJsonType)value->type_ : ROMCV_JSON_ABSENT;
}

const char *romcv__json_type_name(RomcvJsonType type) {
    switch (type) {
    case ROMCV_JSON_ABSENT:
        return "absent";
    case ROMCV_JSON_NULL:
        return "null";
    case ROMCV_JSON_BOOL:
        return "boolean";
    case ROMCV_JSON_NUMBER:
        return "number";
    case ROMCV_JSON_STRING:
        return "string";
    case ROMCV_JSON_ARRAY:
        return "array";
    case ROMCV_JSON_OBJECT:
        return "object";
    }
    return "unknown";
}

int romcv__json_is_null(const RomcvJsonValue *value) {
    return romcv__json_type(value) == ROMCV_JSON_NULL;
}

double romcv__json_number(const RomcvJsonValue *value) {
    return romcv__json_type(value) == ROMCV_JSON_NUMBER ? value->u_.number : NAN;
}

int romcv__json_int64(const RomcvJsonValue *value, int64_t *out) {
    double d = romcv__json_number(value);
    /* -2^63 is exact in a double; 2^63 is the first value out of range. */
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != floor(d))
        return ROMCV_E_INVALID_DATA;
    *out = (int64_t)d;
    return 0;
}

int romcv__json_bool(const RomcvJsonValue *value) {
    return romcv__json_type(value) == ROMCV_JSON_BOOL ? value->u_.boolean : -1;
}

const char *romcv__json_string(const RomcvJsonValue *value, size_t *length) {
    if (romcv__json_type(value) != ROMCV_JSON_STRING)
        return NULL;
    if (length)
        *length = value->count_;
    return value->u_.string;
}

size_t romcv__json_size(const RomcvJsonValue *value) {
    RomcvJsonType type = romcv__json_type(value);
    return type == ROMCV_JSON_ARRAY || type == ROMCV_JSON_OBJECT ? value->count_ : 0;
}

const RomcvJsonValue *romcv__json_at(const RomcvJsonValue *array, size_t index) {
    if (romcv__json_type(array) != ROMCV_JSON_ARRAY || index >= array->count_)
        return NULL;
    return &array->u_.children[index];
}

const RomcvJsonValue *romcv__json_get(const RomcvJsonValue *object, const char *key) {
    if (romcv__json_type(object) != ROMCV_JSON_OBJECT || !key)
        return NULL;
    size_t len = strlen(key);
    for (uint32_t i = 0; i < object->count_; i++) {
        const RomcvJsonValue *m = &object->u_.children[i];
        if (m->key_len_ == len && memcmp(m->key_, key, len) == 0)
            return m;
    }
    return NULL;
}

const RomcvJsonValue *romcv__json_member(const RomcvJsonValue *object, size_t index,
                                         const char **key) {
    if (romcv__json_type(object) != ROMCV_JSON_OBJECT || index >= object->count_)
        return NULL;
    const RomcvJsonValue *m = &object->u_.children[index];
    if (key)
        *key = m->key_;
    return m;
}

const char *romcv__json_key(const RomcvJsonValue *member, size_t *length) {
    if (!member || !member->key_)
        return NULL;
    if (length)
        *length = member->key_len_;
    return member->key_;
}

/* ================================================================ writer */

#define WRITER_MAX_DEPTH ROMCV_JSON_DEFAULT_MAX_DEPTH

struct RomcvJsonWriter {
    FILE *file; /* NULL: buffer mode */
    int flags;
    char *buf; /* buffer mode: the output, NUL-terminated */
    size_t len, cap;
    int error; /* first error, sticky */
    char message[160];
    int depth;                          /* open containers */
    char kind[WRITER_MAX_DEPTH + 1];    /* '{' or '[' per level, from 1 */
    size_t count[WRITER_MAX_DEPTH + 1]; /* members or elements so far */
    int have_key;                       /* a key waits for its value */
    size_t top_values;                  /* complete top-level values */
    locale_t c_locale;                  /* for printing and checking numbers */
};

static void writer_fail(RomcvJsonWriter *w, int code, const char *fmt, ...) ROMCV_PRINTF(3, 4);

static void writer_fail(RomcvJsonWriter *w, int code, const char *fmt, ...) {
    if (w->error)
        return;
    w->error = code;
    va_list args;
    va_start(args, fmt);
    vsnprintf(w->message, sizeof w->message, fmt, args);
    va_end(args);
}

static void emit(RomcvJsonWriter *w, const char *data, size_t n) {
    if (w->error || n == 0)
        return;
    if (w->file) {
        errno = 0;
        if (fwrite(data, 1, n, w->file) != n) {
            int e = errno ? errno : EIO;
            writer_fail(w, ROMCV_ERR(e), "write failed: %s", strerror(e));
        }
        return;
    }
    if (w->cap - w->len < n + 1) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap - w->len < n + 1) {
            if (cap > SIZE_MAX / 2) {
                writer_fail(w, ROMCV_ERR(ENOMEM), "output too large");
                return;
            }
            cap *= 2;
        }
        char *grown = realloc(w->buf, cap);
        if (!grown) {
            writer_fail(w, ROMCV_ERR(ENOMEM), "out of memory (%zu bytes)", cap);
            return;
        }
        w->buf = grown;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, data, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void emit_str(RomcvJsonWriter *w, const char *s) {
    emit(w, s, strlen(s));
}

/* A newline and two spaces per open container, when pretty-printing. */
static void newline_indent(RomcvJsonWriter *w, int depth) {
    if (!(w->flags & ROMCV_JSON_WRITE_PRETTY))
        return;
    emit(w, "\n", 1);
    for (int i = 0; i < depth; i++)
        emit(w, "  ", 2);
}

/* Places what must precede a value: a comma, an indent, or nothing. Returns
 * -1 (and sets the error) when a value may not come here. */
static int before_value(RomcvJsonWriter *w) {
    if (w->error)
        return -1;
    if (w->depth == 0) {
        if (w->top_values > 0 && !(w->flags & ROMCV_JSON_WRITE_LINES)) {
            writer_fail(w, ROMCV_E_USAGE,
                        "second top-level value (only ROMCV_JSON_WRITE_LINES allows several)");
            return -1;
        }
        return 0;
    }
    if (w->kind[w->depth] == '{') {
        if (!w->have_key) {
            writer_fail(w, ROMCV_E_USAGE, "value inside an object without a key");
            return -1;
        }
        w->have_key = 0;
        return 0;
    }
    if (w->count[w->depth] > 0)
        emit(w, ",", 1);
    newline_indent(w, w->depth);
    w->count[w->depth]++;
    return w->error ? -1 : 0;
}

/* Ends a top-level value with a newline in JSONL and pretty modes. */
static void after_value(RomcvJsonWriter *w) {
    if (w->depth != 0)
        return;
    w->top_values++;
    if (w->flags & (ROMCV_JSON_WRITE_LINES | ROMCV_JSON_WRITE_PRETTY))
        emit(w, "\n", 1);
}

/* Writes text as a quoted JSON string; see json.h for what gets escaped and
 * how invalid UTF-8 is replaced. Plain runs are emitted in one piece. */
static void emit_quoted(RomcvJsonWriter *w, const char *text, size_t length) {
    const unsigned char *p = (const unsigned char *)text, *end = p + length;
    const unsigned char *run = p;
    emit(w, "\"", 1);
    while (p < end) {
        unsigned char c = *p;
        const char *escape = NULL;
        char hex[8];
        size_t skip = 1;
        if (c == '"') {
            escape = "\\\"";
        } else if (c == '\\') {
            escape = "\\\\";
        } else if (c < 0x20) {
            switch (c) {
            case '\b':
                escape = "\\b";
                break;
            case '\f':
                escape = "\\f";
                break;
            case '\n':
                escape = "\\n";
                break;
            case '\r':
                escape = "\\r";
                break;
            case '\t':
                escape = "\\t";
                break;
            default:
                snprintf(hex, sizeof hex, "\\u%04x", c);
                escape = hex;
            }
        } else if (c >= 0x80) {
            size_t len = utf8_sequence(p, end);
            if (len > 0) {
                p += len;
                continue;
            }
            escape = "\xEF\xBF\xBD"; /* U+FFFD REPLACEMENT CHARACTER */
        } else {
            p++;
            continue;
        }
        emit(w, (const char *)run, (size_t)(p - run));
        emit_str(w, escape);
        p += skip;
        run = p;
    }
    emit(w, (const char *)run, (size_t)(p - run));
    emit(w, "\"", 1);
}

int romcv__json_writer_create(RomcvJsonWriter **out, FILE *file, int flags) {
    if (!out)
        return ROMCV_ERR(EINVAL);
    RomcvJsonWriter *w = calloc(1, sizeof *w);
    *out = NULL;
    if (!w)
        return ROMCV_ERR(ENOMEM);
    w->file = file;
    w->flags = flags;
    w->c_locale = c_numeric_locale();
    if (!file) {
        /* An empty buffer still reads as "". */
        w->buf = malloc(256);
        if (!w->buf) {
            romcv__json_writer_destroy(&w);
            return ROMCV_ERR(ENOMEM);
        }
        w->cap = 256;
        w->buf[0] = '\0';
    }
    *out = w;
    return 0;
}

void romcv__json_writer_destroy(RomcvJsonWriter **writer) {
    if (!writer || !*writer)
        return;
    RomcvJsonWriter *w = *writer;
    if (w->c_locale)
        freelocale(w->c_locale);
    free(w->buf);
    free(w);
    *writer = NULL;
}

static void begin_container(RomcvJsonWriter *w, char kind) {
    if (before_value(w) != 0)
        return;
    if (w->depth >= WRITER_MAX_DEPTH) {
        writer_fail(w, ROMCV_E_USAGE, "nesting deeper than %d levels", WRITER_MAX_DEPTH);
        return;
    }
    emit(w, kind == '{' ? "{" : "[", 1);
    w->depth++;
    w->kind[w->depth] = kind;
    w->count[w->depth] = 0;
    w->have_key = 0;
}

static void end_container(RomcvJsonWriter *w, char kind) {
    if (w->error)
        return;
    if (w->depth == 0 || w->kind[w->depth] != kind) {
        writer_fail(w, ROMCV_E_USAGE, "end of %s without a matching begin",
                    kind == '{' ? "object" : "array");
        return;
    }
    if (w->have_key) {
        writer_fail(w, ROMCV_E_USAGE, "object ends after a key without a value");
        return;
    }
    if (w->count[w->depth] > 0)
        newline_indent(w, w->depth - 1);
    emit(w, kind == '{' ? "}" : "]", 1);
    w->depth--;
    after_value(w);
}

void romcv__json_write_begin_object(RomcvJsonWriter *w) {
    begin_container(w, '{');
}

void romcv__json_write_end_object(RomcvJsonWriter *w) {
    end_container(w, '{');
}

void romcv__json_write_begin_array(RomcvJsonWriter *w) {
    begin_container(w, '[');
}

void romcv__json_write_end_array(RomcvJsonWriter *w) {
    end_container(w, '[');
}

void romcv__json_write_key(RomcvJsonWriter *w, const char *key) {
    romcv__json_write_key_n(w, key ? key : "", key ? strlen(key) : 0);
}

void romcv__json_write_key_n(RomcvJsonWriter *w, const char *key, size_t length) {
    if (w->error)
        return;
    int shown = length < 40 ? (int)length : 40; /* of the key, in messages */
    if (w->depth == 0 || w->kind[w->depth] != '{') {
        writer_fail(w, ROMCV_E_USAGE, "key \"%.*s\" outside an object", shown, key);
        return;
    }
    if (w->have_key) {
        writer_fail(w, ROMCV_E_USAGE, "key \"%.*s\" after a key without a value", shown, key);
        return;
    }
    if (w->count[w->depth] > 0)
        emit(w, ",", 1);
    newline_indent(w, w->depth);
    emit_quoted(w, key, length);
    emit_str(w, (w->flags & ROMCV_JSON_WRITE_PRETTY) ? ": " : ":");
    w->count[w->depth]++;
    w->have_key = 1;
}

void romcv__json_write_string(RomcvJsonWriter *w, const char *text) {
    romcv__json_write_string_n(w, text ? text : "", text ? strlen(text) : 0);
}

void romcv__json_write_string_n(RomcvJsonWriter *w, const char *text, size_t length) {
    if (before_value(w) != 0)
        return;
    emit_quoted(w, text, length);
    after_value(w);
}

/* Formats value in the fewest significant digits that read back as the same
 * double. For a normal double, %.15g already gives the shortest form when
 * one of 15 digits or fewer exists (15 digits resolve finer than half an
 * ulp), so only 15, 16 and 17 are tried; subnormals, with fewer bits, try
 * every precision from 1. */
static void format_number(RomcvJsonWriter *w, double value, char buf[40]) {
    locale_t previous = w->c_locale ? uselocale(w->c_locale) : (locale_t)0;
    if (value == floor(value) && fabs(value) < 9007199254740992.0) {
        /* Integral and exact: digits, not "1e+15". -0 stays "-0". */
        snprintf(buf, 40, "%.0f", value);
    } else {
        int precision = fabs(value) < DBL_MIN ? 1 : 15;
        for (; precision <= 17; precision++) {
            snprintf(buf, 40, "%.*g", precision, value);
            if (strtod(buf, NULL) == value)
                break;
        }
    }
    if (w->c_locale)
        uselocale(previous);
}

void romcv__json_write_number(RomcvJsonWriter *w, double value) {
    if (before_value(w) != 0)
        return;
    if (!isfinite(value)) {
        emit_str(w, "null");
    } else {
        char buf[40];
        format_number(w, value, buf);
        emit_str(w, buf);
    }
    after_value(w);
}

void romcv__json_write_int64(RomcvJsonWriter *w, int64_t value) {
    if (before_value(w) != 0)
        return;
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, value);
    emit_str(w, buf);
    after_value(w);
}

void romcv__json_write_bool(RomcvJsonWriter *w, int value) {
    if (before_value(w) != 0)
        return;
    emit_str(w, value ? "true" : "false");
    after_value(w);
}

void romcv__json_write_null(RomcvJsonWriter *w) {
    if (before_value(w) != 0)
        return;
    emit_str(w, "null");
    after_value(w);
}

int romcv__json_writer_finish(RomcvJsonWriter *w, RomcvDiag *diag) {
    if (!w)
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "JSON writer is NULL");
    if (!w->error && w->depth > 0)
        writer_fail(w, ROMCV_E_USAGE, "%d container(s) left open", w->depth);
    if (!w->error && w->top_values == 0)
        writer_fail(w, ROMCV_E_USAGE, "no value written");
    errno = 0;
    if (!w->error && w->file && (fflush(w->file) != 0 || ferror(w->file))) {
        int e = errno ? errno : EIO;
        writer_fail(w, ROMCV_ERR(e), "write failed: %s", strerror(e));
    }
    if (w->error)
        return romcv_diag_set(diag, w->error, "JSON writer: %s", w->message);
    return 0;
}

const char *romcv__json_writer_buffer(const RomcvJsonWriter *w, size_t *size) {
    if (!w || w->file)
        return NULL;
    if (size)
        *size = w->len;
    return w->buf;
}
