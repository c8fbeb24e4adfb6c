/*
 * fuzz/fuzz_json.c: libFuzzer target for the JSON reader and writer
 * (core/json.c), which read camera calibration files from users.
 *
 * Each input is parsed; a document that parses is walked through every
 * accessor, written back (compact and pretty), and the written text must
 * parse again and write back byte for byte the same: the writer's output is
 * always valid JSON, and reading and writing lose nothing. A failed parse
 * must leave a message naming the input. Any crash, sanitizer report, leak
 * or broken invariant (__builtin_trap) is a bug.
 *
 * Run it with scripts/fuzz.sh json. A crash becomes a regression case in
 * tests/core/test_json.c.
 */
#include "core/json.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile double sink_d;
static volatile size_t sink_z;

/* Reads every value through the accessors, and writes it to w. */
static void walk(const RomcvJsonValue *v, RomcvJsonWriter *w) {
    size_t len = 0;
    const char *s;
    int64_t i;
    switch (romcv__json_type(v)) {
    case ROMCV_JSON_NULL:
        romcv__json_write_null(w);
        break;
    case ROMCV_JSON_BOOL:
        romcv__json_write_bool(w, romcv__json_bool(v));
        break;
    case ROMCV_JSON_NUMBER:
        sink_d = romcv__json_number(v);
        if (romcv__json_int64(v, &i) == 0)
            sink_d = (double)i;
        if (!isfinite(romcv__json_number(v)))
            __builtin_trap(); /* the reader must reject what JSON cannot hold */
        romcv__json_write_number(w, romcv__json_number(v));
        break;
    case ROMCV_JSON_STRING:
        s = romcv__json_string(v, &len);
        if (s[len] != '\0')
            __builtin_trap();
        romcv__json_write_string_n(w, s, len);
        break;
    case ROMCV_JSON_ARRAY:
        romcv__json_write_begin_array(w);
        for (size_t k = 0; k < romcv__json_size(v); k++)
            walk(romcv__json_at(v, k), w);
        if (romcv__json_at(v, romcv__json_size(v)) != NULL)
            __builtin_trap();
        romcv__json_write_end_array(w);
        break;
    case ROMCV_JSON_OBJECT:
        romcv__json_write_begin_object(w);
        for (size_t k = 0; k < romcv__json_size(v); k++) {
            const char *key = NULL;
            const RomcvJsonValue *m = romcv__json_member(v, k, &key);
            size_t key_len = 0;
            if (romcv__json_key(m, &key_len) != key)
                __builtin_trap();
            /* Keys are unique, so lookup by name finds this very member,
             * unless the name holds a NUL, which a C string cannot ask for. */
            if (key_len == strlen(key) && romcv__json_get(v, key) != m)
                __builtin_trap();
            romcv__json_write_key_n(w, key, key_len);
            walk(m, w);
        }
        romcv__json_write_end_object(w);
        break;
    default:
        __builtin_trap();
    }
    int line, column;
    romcv__json_position(NULL, v, &line, &column);
    if (line < 1 || column < 1)
        __builtin_trap();
    sink_z = (size_t)line;
}

/* Writes doc's tree; returns the text (malloc'd) or NULL. */
static char *write_back(const RomcvJsonDoc *doc, int flags, size_t *size) {
    RomcvJsonWriter *w = NULL;
    if (romcv__json_writer_create(&w, NULL, flags) != 0)
        return NULL;
    if (romcv__json_key(romcv__json_root(doc), NULL) != NULL)
        __builtin_trap(); /* only object members have names */
    walk(romcv__json_root(doc), w);
    RomcvDiag diag;
    if (romcv__json_writer_finish(w, &diag) != 0)
        __builtin_trap(); /* a walk of a valid tree is always well formed */
    const char *text = romcv__json_writer_buffer(w, size);
    char *copy = malloc(*size + 1);
    if (copy)
        memcpy(copy, text, *size + 1);
    romcv__json_writer_destroy(&w);
    return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    RomcvJsonDoc *doc = NULL;
    RomcvDiag diag = {0};
    int rc = romcv__json_parse(&doc, (const char *)data, size, "fuzz.json", &diag);
    if (rc != 0) {
        if (doc != NULL || strncmp(diag.message, "fuzz.json:", 10) != 0)
            __builtin_trap();
        return 0;
    }
    for (int flags = 0; flags <= ROMCV_JSON_WRITE_PRETTY; flags += ROMCV_JSON_WRITE_PRETTY) {
        size_t first_size = 0, second_size = 0;
        char *first = write_back(doc, flags, &first_size);
        if (!first)
            continue;
        RomcvJsonDoc *again = NULL;
        if (romcv__json_parse(&again, first, first_size, "written.json", &diag) != 0)
            __builtin_trap(); /* the writer wrote something the reader refuses */
        char *second = write_back(again, flags, &second_size);
        if (second && (second_size != first_size || memcmp(first, second, first_size) != 0))
            __builtin_trap(); /* reading and writing changed something */
        free(second);
        romcv__json_free(&again);
        free(first);
    }
    romcv__json_free(&doc);
    return 0;
}
