/*
 * core/json.h: romcv's internal JSON reader and writer (never installed).
 *
 * The reader is strict RFC 8259 for untrusted input such as camera
 * calibration files: no comments, no trailing commas, no NaN or Infinity,
 * UTF-8 validated, duplicate object keys rejected, bounded nesting depth and
 * input size. It builds a read-only tree in one allocation per document and
 * reports errors as "label:line:column: what was expected, found what".
 *
 * The writer streams JSON to a FILE * or into a growable buffer, places the
 * commas itself, pretty-prints or writes one line per value (JSONL), and
 * keeps its first error until romcv__json_writer_finish() reports it.
 *
 * Both are reentrant and keep no global state. Numbers are read and written
 * with '.' as the decimal point whatever the process locale is: the C locale
 * is selected for the calling thread only (uselocale), never with setlocale.
 */
#ifndef ROMCV_CORE_JSON_H
#define ROMCV_CORE_JSON_H

#include "romcv/core.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ----------------------------------------------------------------- reader */

/* Defaults of RomcvJsonLimits. 64 levels is far beyond any file romcv reads
 * and keeps the recursive parser's stack use small. The tree takes up to 80
 * bytes per value while parsing and "[0,0,...]" has a value every 2 bytes,
 * so 8 MiB of input can need 320 MiB: raise the size only for trusted input. */
#define ROMCV_JSON_DEFAULT_MAX_DEPTH 64
#define ROMCV_JSON_DEFAULT_MAX_SIZE  (8u * 1024u * 1024u)
/* Longest number accepted, in characters (RFC 8259 section 9 lets a parser
 * limit numbers; 400 significant digits already exceed what a double holds). */
#define ROMCV_JSON_MAX_NUMBER_CHARS 400

typedef enum RomcvJsonType {
    ROMCV_JSON_ABSENT = 0, /* what romcv__json_type(NULL) says: no such value */
    ROMCV_JSON_NULL,
    ROMCV_JSON_BOOL,
    ROMCV_JSON_NUMBER,
    ROMCV_JSON_STRING,
    ROMCV_JSON_ARRAY,
    ROMCV_JSON_OBJECT,
} RomcvJsonType;

typedef struct RomcvJsonLimits {
    int max_depth;   /* containers nested deeper than this are an error; 1..1000 */
    size_t max_size; /* bytes; larger inputs fail with ROMCV_ERR(EFBIG); < 4 GiB */
} RomcvJsonLimits;

/* One parsed document: the tree, its strings and a copy of the label. */
typedef struct RomcvJsonDoc RomcvJsonDoc;

/* One value in a document. Valid as long as its document; read it only
 * through the accessors below. */
typedef struct RomcvJsonValue {
    /* private */
    uint32_t type_;   /* RomcvJsonType */
    uint32_t count_;  /* elements or members of a container; bytes of a string */
    uint32_t line_;   /* where the value starts: 1-based line */
    uint32_t column_; /* and 1-based column, in characters */
    uint32_t key_len_;
    const char *key_; /* member name when the value sits in an object, else NULL */
    union {
        double number;
        int boolean;
        const char *string;                    /* NUL-terminated, may hold NULs */
        const struct RomcvJsonValue *children; /* count_ values, in document order */
    } u_;
} RomcvJsonValue;

/* The default limits (ROMCV_JSON_DEFAULT_MAX_DEPTH and _SIZE). */
RomcvJsonLimits romcv__json_default_limits(void);

/* Parses size bytes of text (need not be NUL-terminated) as one JSON value,
 * surrounded by optional whitespace; a leading UTF-8 byte order mark is
 * skipped (RFC 8259 section 8.1 allows ignoring it). label names the input
 * in messages ("camera.json"; NULL means "<json>").
 * Returns 0 and sets *out to a document the caller frees with
 * romcv__json_free(); on failure *out is NULL and the result is
 * ROMCV_E_INVALID_DATA (syntax, encoding, depth, duplicate key; diag holds
 * "label:line:column: message", columns counting characters from 1),
 * ROMCV_ERR(EFBIG) (size limit) or ROMCV_ERR(ENOMEM).
 * Cost: two passes over the text, one malloc for the whole tree. */
int romcv__json_parse(RomcvJsonDoc **out, const char *text, size_t size, const char *label,
                      RomcvDiag *diag);
/* The same with explicit limits (NULL: the defaults). */
int romcv__json_parse_ex(RomcvJsonDoc **out, const char *text, size_t size, const char *label,
                         const RomcvJsonLimits *limits, RomcvDiag *diag);
/* Frees the document and every value in it; NULL-safe; sets *doc to NULL. */
void romcv__json_free(RomcvJsonDoc **doc);

/* The top-level value; never NULL for a parsed document. */
const RomcvJsonValue *romcv__json_root(const RomcvJsonDoc *doc);
/* The document's label as given to romcv__json_parse ("<json>" if none). */
const char *romcv__json_label(const RomcvJsonDoc *doc);
/* 1-based line and column (in characters) where value starts, for messages
 * such as "camera.json:4:9: fx must be positive". */
void romcv__json_position(const RomcvJsonDoc *doc, const RomcvJsonValue *value, int *line,
                          int *column);

/* Every accessor accepts NULL (an absent value) and then returns its "not
 * this type" answer, so lookups chain: romcv__json_number(romcv__json_get(
 * romcv__json_get(root, "camera"), "fx")) is NaN if anything is missing. */

/* ROMCV_JSON_ABSENT for NULL, otherwise the value's type. A member written
 * as null is ROMCV_JSON_NULL; a missing one is ROMCV_JSON_ABSENT. */
RomcvJsonType romcv__json_type(const RomcvJsonValue *value);
/* "absent", "null", "boolean", "number", "string", "array" or "object". */
const char *romcv__json_type_name(RomcvJsonType type);
/* 1 if value is JSON null (not absent). */
int romcv__json_is_null(const RomcvJsonValue *value);
/* The number, or NaN when value is not a number (JSON itself has no NaN, so
 * NaN always means "not a number here"). */
double romcv__json_number(const RomcvJsonValue *value);
/* 0 and *out when value is a number with an integral value within int64_t,
 * else ROMCV_E_INVALID_DATA (and *out untouched). */
int romcv__json_int64(const RomcvJsonValue *value, int64_t *out);
/* 1 for true, 0 for false, -1 when value is not a boolean. */
int romcv__json_bool(const RomcvJsonValue *value);
/* The decoded UTF-8 text, NUL-terminated, or NULL when value is not a
 * string. length (may be NULL) receives its size in bytes: strings may hold
 * U+0000 (written \u0000), which a C string would hide. */
const char *romcv__json_string(const RomcvJsonValue *value, size_t *length);
/* Elements of an array or members of an object; 0 for anything else. */
size_t romcv__json_size(const RomcvJsonValue *value);
/* Element index of an array, or NULL (not an array, or out of range). O(1). */
const RomcvJsonValue *romcv__json_at(const RomcvJsonValue *array, size_t index);
/* The member called key, or NULL (absent, or object is not an object).
 * Linear in the number of members. Keys containing U+0000 never match. */
const RomcvJsonValue *romcv__json_get(const RomcvJsonValue *object, const char *key);
/* Member index of an object in document order, or NULL; *key (may be NULL)
 * receives its name, NUL-terminated. O(1). */
const RomcvJsonValue *romcv__json_member(const RomcvJsonValue *object, size_t index,
                                         const char **key);
/* The name of a value that is an object member (NUL-terminated; length, if
 * not NULL, gets its size in bytes, since names may hold U+0000 too), or
 * NULL for any other value. */
const char *romcv__json_key(const RomcvJsonValue *member, size_t *length);

/* ----------------------------------------------------------------- writer */

/* Flags for romcv__json_writer_create(). */
#define ROMCV_JSON_WRITE_PRETTY 1 /* newlines and two-space indents */
#define ROMCV_JSON_WRITE_LINES                     \
    2 /* JSONL: each top-level value ends in '\n', \
       * and any number of them may follow */

typedef struct RomcvJsonWriter RomcvJsonWriter;

/* A writer to file (not owned; the caller closes it), or, when file is NULL,
 * into a buffer that romcv__json_writer_buffer() returns. The writer nests
 * up to ROMCV_JSON_DEFAULT_MAX_DEPTH containers.
 * Returns 0 and sets *out, or ROMCV_ERR(ENOMEM) (and *out NULL). */
int romcv__json_writer_create(RomcvJsonWriter **out, FILE *file, int flags);
/* Frees the writer (not the file); NULL-safe; sets *writer to NULL. */
void romcv__json_writer_destroy(RomcvJsonWriter **writer);

/* Each write call below places the comma, the indentation and, inside an
 * object, expects romcv__json_write_key() first. A call that breaks that
 * order (a value without a key, a key outside an object, an unbalanced end,
 * a second top-level value without ROMCV_JSON_WRITE_LINES, nesting too deep)
 * or a failed write makes the writer's error sticky: later calls do nothing,
 * and romcv__json_writer_finish() returns the first error. */
void romcv__json_write_begin_object(RomcvJsonWriter *w);
void romcv__json_write_end_object(RomcvJsonWriter *w);
void romcv__json_write_begin_array(RomcvJsonWriter *w);
void romcv__json_write_end_array(RomcvJsonWriter *w);
void romcv__json_write_key(RomcvJsonWriter *w, const char *key);
void romcv__json_write_key_n(RomcvJsonWriter *w, const char *key, size_t length);
/* Strings are written as valid UTF-8: each byte that is not part of a valid
 * UTF-8 sequence (stray continuation, overlong form, surrogate, beyond
 * U+10FFFF, truncated) becomes U+FFFD, so output never fails to parse.
 * Control characters and '"' and '\\' are escaped; '/' and non-ASCII are not. */
void romcv__json_write_string(RomcvJsonWriter *w, const char *text);
void romcv__json_write_string_n(RomcvJsonWriter *w, const char *text, size_t length);
/* Finite numbers in the shortest form that reads back to the same double
 * (3, 0.1, -0, 5e-324, 1.7976931348623157e+308); NaN and infinities as null,
 * since JSON has no way to write them. */
void romcv__json_write_number(RomcvJsonWriter *w, double value);
void romcv__json_write_int64(RomcvJsonWriter *w, int64_t value);
void romcv__json_write_bool(RomcvJsonWriter *w, int value);
void romcv__json_write_null(RomcvJsonWriter *w);

/* Checks that every container was closed and at least one value written,
 * flushes the file, and returns 0 or the first error: ROMCV_E_USAGE (calls
 * out of order), ROMCV_ERR(errno) of a failed write, ROMCV_ERR(ENOMEM). diag
 * (may be NULL) says what went wrong. The writer may not be used afterwards
 * except through romcv__json_writer_buffer() and _destroy(). */
int romcv__json_writer_finish(RomcvJsonWriter *w, RomcvDiag *diag);
/* The bytes written so far in buffer mode (NUL-terminated, owned by the
 * writer, valid until the next write or destroy) and their count; NULL for
 * a file writer. */
const char *romcv__json_writer_buffer(const RomcvJsonWriter *w, size_t *size);

#endif /* ROMCV_CORE_JSON_H */
