/* tests/core/test_json.c: the strict JSON reader and the streaming writer
 * (core/json.h): valid documents, every error with its message and position,
 * truncation at every length, limits, writer output and round trips, and a
 * real line of MediaPipe reference output. */
#include "testutil.h"

#include "core/json.h"
#include "romcv/core.h"

#include <locale.h>
#include <math.h>
#if defined(__SANITIZE_ADDRESS__)
#define HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_LSAN 1
#endif
#endif
#ifdef HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses a NUL-terminated text (from an exact-size heap copy, so ASan sees
 * any read past the end) and fails the test on error. */
static RomcvJsonDoc *parse_ok(const char *text) {
    size_t size = strlen(text);
    char *copy = malloc(size ? size : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, text, size);
    RomcvJsonDoc *doc = NULL;
    RomcvDiag diag = {0};
    int rc = romcv__json_parse(&doc, copy, size, "t.json", &diag);
    free(copy);
    ck_assert_msg(rc == 0, "parse failed: %s", diag.message);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

/* Parses size bytes that must fail; returns the code, message in diag. */
static int parse_fail(const char *text, size_t size, const char *label, RomcvDiag *diag) {
    char *copy = malloc(size ? size : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, text, size);
    RomcvJsonDoc *doc = (RomcvJsonDoc *)copy; /* must be reset to NULL on failure */
    int rc = romcv__json_parse(&doc, copy, size, label, diag);
    free(copy);
    ck_assert_int_ne(rc, 0);
    ck_assert_ptr_null(doc);
    return rc;
}

START_TEST(json_values_and_lookup) {
    RomcvJsonDoc *doc = parse_ok(" {\"a\": 1, \"b\": [true, false, null], \"c\": \"x\",\n"
                                 "  \"d\": {}, \"e\": [], \"n\": null, \"big\": -42} \r\n\t");
    const RomcvJsonValue *root = romcv__json_root(doc);
    ck_assert_int_eq(romcv__json_type(root), ROMCV_JSON_OBJECT);
    ck_assert_uint_eq(romcv__json_size(root), 7);
    ck_assert_double_eq(romcv__json_number(romcv__json_get(root, "a")), 1.0);
    const RomcvJsonValue *b = romcv__json_get(root, "b");
    ck_assert_uint_eq(romcv__json_size(b), 3);
    ck_assert_int_eq(romcv__json_bool(romcv__json_at(b, 0)), 1);
    ck_assert_int_eq(romcv__json_bool(romcv__json_at(b, 1)), 0);
    ck_assert_int_eq(romcv__json_bool(romcv__json_at(b, 2)), -1);
    ck_assert(romcv__json_is_null(romcv__json_at(b, 2)));
    ck_assert_ptr_null(romcv__json_at(b, 3));
    ck_assert_str_eq(romcv__json_string(romcv__json_get(root, "c"), NULL), "x");
    ck_assert_int_eq(romcv__json_type(romcv__json_get(root, "d")), ROMCV_JSON_OBJECT);
    ck_assert_uint_eq(romcv__json_size(romcv__json_get(root, "d")), 0);
    ck_assert_int_eq(romcv__json_type(romcv__json_get(root, "e")), ROMCV_JSON_ARRAY);
    /* null and absent are different answers. */
    ck_assert_int_eq(romcv__json_type(romcv__json_get(root, "n")), ROMCV_JSON_NULL);
    ck_assert_int_eq(romcv__json_type(romcv__json_get(root, "zz")), ROMCV_JSON_ABSENT);
    ck_assert(romcv__json_is_null(romcv__json_get(root, "n")));
    ck_assert(!romcv__json_is_null(romcv__json_get(root, "zz")));
    /* Wrong types and absent values give the "not this type" answers. */
    ck_assert(isnan(romcv__json_number(romcv__json_get(root, "c"))));
    ck_assert(isnan(romcv__json_number(romcv__json_get(romcv__json_get(root, "x"), "y"))));
    ck_assert_ptr_null(romcv__json_string(romcv__json_get(root, "a"), NULL));
    ck_assert_ptr_null(romcv__json_get(b, "a"));
    ck_assert_ptr_null(romcv__json_at(root, 0));
    int64_t i = 0;
    ck_assert_int_eq(romcv__json_int64(romcv__json_get(root, "big"), &i), 0);
    ck_assert_int_eq(i, -42);
    ck_assert_int_eq(romcv__json_int64(romcv__json_get(root, "c"), &i), ROMCV_E_INVALID_DATA);
    /* Members iterate in document order. */
    const char *expected[] = {"a", "b", "c", "d", "e", "n", "big"};
    for (size_t k = 0; k < 7; k++) {
        const char *key = NULL;
        ck_assert_ptr_nonnull(romcv__json_member(root, k, &key));
        ck_assert_str_eq(key, expected[k]);
    }
    ck_assert_ptr_null(romcv__json_member(root, 7, NULL));
    /* Positions: "d" is on line 2, its value at column 8. */
    int line, column;
    romcv__json_position(doc, romcv__json_get(root, "d"), &line, &column);
    ck_assert_int_eq(line, 2);
    ck_assert_int_eq(column, 8);
    ck_assert_str_eq(romcv__json_label(doc), "t.json");
    romcv__json_free(&doc);
    ck_assert_ptr_null(doc);
    romcv__json_free(&doc); /* NULL-safe */
    romcv__json_free(NULL);
}
END_TEST

START_TEST(json_top_level_scalars) {
    RomcvJsonDoc *doc = parse_ok("\"only\"");
    ck_assert_str_eq(romcv__json_string(romcv__json_root(doc), NULL), "only");
    romcv__json_free(&doc);
    doc = parse_ok("null");
    ck_assert_int_eq(romcv__json_type(romcv__json_root(doc)), ROMCV_JSON_NULL);
    romcv__json_free(&doc);
    doc = parse_ok("\xEF\xBB\xBF 7"); /* byte order mark skipped */
    ck_assert_double_eq(romcv__json_number(romcv__json_root(doc)), 7.0);
    romcv__json_free(&doc);
}
END_TEST

START_TEST(json_escapes_and_surrogates) {
    RomcvJsonDoc *doc = parse_ok("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\u0041\\u00e9\\u20AC\","
                                 " \"\\ud83d\\ude00\", \"a\\u0000b\", \"\xC3\xA9\xE2\x82\xAC"
                                 "\xF0\x9F\x98\x80\", \"\\uDBFF\\uDFFF\"]");
    const RomcvJsonValue *root = romcv__json_root(doc);
    size_t len = 0;
    ck_assert_str_eq(romcv__json_string(romcv__json_at(root, 0), &len), "\"\\/\b\f\n\r\t");
    ck_assert_uint_eq(len, 8);
    ck_assert_str_eq(romcv__json_string(romcv__json_at(root, 1), NULL), "A\xC3\xA9\xE2\x82\xAC");
    /* U+1F600 from a surrogate pair, as 4 UTF-8 bytes. */
    ck_assert_str_eq(romcv__json_string(romcv__json_at(root, 2), &len), "\xF0\x9F\x98\x80");
    ck_assert_uint_eq(len, 4);
    /* U+0000 is kept: the length says 3 although strlen says 1. */
    const char *s = romcv__json_string(romcv__json_at(root, 3), &len);
    ck_assert_uint_eq(len, 3);
    ck_assert_int_eq(memcmp(s, "a\0b", 4), 0);
    ck_assert_str_eq(romcv__json_string(romcv__json_at(root, 4), NULL),
                     "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    /* U+10FFFF, the last code point. */
    ck_assert_str_eq(romcv__json_string(romcv__json_at(root, 5), NULL), "\xF4\x8F\xBF\xBF");
    romcv__json_free(&doc);
    /* Escaped keys are decoded before lookup. */
    doc = parse_ok("{\"k\\u00e9y\": 1}");
    ck_assert_double_eq(romcv__json_number(romcv__json_get(romcv__json_root(doc), "k\xC3\xA9y")),
                        1.0);
    romcv__json_free(&doc);
}
END_TEST

/* n nested empty arrays: "[[...]]". */
static char *nested(int n) {
    char *text = malloc((size_t)n * 2 + 1);
    ck_assert_ptr_nonnull(text);
    memset(text, '[', (size_t)n);
    memset(text + n, ']', (size_t)n);
    text[2 * n] = '\0';
    return text;
}

START_TEST(json_depth_limit) {
    char *text = nested(ROMCV_JSON_DEFAULT_MAX_DEPTH);
    RomcvJsonDoc *doc = parse_ok(text);
    const RomcvJsonValue *v = romcv__json_root(doc);
    for (int i = 1; i < ROMCV_JSON_DEFAULT_MAX_DEPTH; i++)
        v = romcv__json_at(v, 0);
    ck_assert_int_eq(romcv__json_type(v), ROMCV_JSON_ARRAY);
    ck_assert_uint_eq(romcv__json_size(v), 0);
    romcv__json_free(&doc);
    free(text);

    text = nested(ROMCV_JSON_DEFAULT_MAX_DEPTH + 1);
    RomcvDiag diag = {0};
    ck_assert_int_eq(parse_fail(text, strlen(text), "deep.json", &diag), ROMCV_E_INVALID_DATA);
    ck_assert_str_eq(diag.message, "deep.json:1:65: nesting deeper than 64 levels");
    free(text);

    /* Objects count too, and a caller may lower the limit. */
    RomcvJsonLimits limits = romcv__json_default_limits();
    limits.max_depth = 2;
    const char *objects = "{\"a\":{\"b\":{}}}";
    RomcvJsonDoc *d2 = NULL;
    ck_assert_int_eq(romcv__json_parse_ex(&d2, objects, strlen(objects), "o", &limits, &diag),
                     ROMCV_E_INVALID_DATA);
    ck_assert_str_eq(diag.message, "o:1:11: nesting deeper than 2 levels");
    limits.max_depth = 3;
    ck_assert_int_eq(romcv__json_parse_ex(&d2, objects, strlen(objects), "o", &limits, &diag), 0);
    romcv__json_free(&d2);
}
END_TEST

START_TEST(json_size_limit) {
    RomcvJsonLimits limits = romcv__json_default_limits();
    limits.max_size = 8;
    RomcvJsonDoc *doc = NULL;
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv__json_parse_ex(&doc, "[1,2,3,4]", 9, "big.json", &limits, &diag),
                     ROMCV_ERR(EFBIG));
    ck_assert_ptr_null(doc);
    ck_assert_str_eq(diag.message, "big.json: 9 bytes, more than the 8 allowed");
    ck_assert_int_eq(romcv__json_parse_ex(&doc, "[1,2,3]", 7, "ok.json", &limits, &diag), 0);
    romcv__json_free(&doc);
}
END_TEST

START_TEST(json_numbers) {
    RomcvJsonDoc *doc = parse_ok("[1e308, -0, 5e-324, 0.1, 1E+2, -1.5e-3, 0.30000000000000004,"
                                 " 123456789012345678901234567890, 2.2250738585072014e-308,"
                                 " 1e-400, 0, 9007199254740993, 1.7976931348623157e308]");
    const RomcvJsonValue *a = romcv__json_root(doc);
    ck_assert(romcv__json_number(romcv__json_at(a, 0)) == 1e308);
    double negative_zero = romcv__json_number(romcv__json_at(a, 1));
    ck_assert(negative_zero == 0.0 && signbit(negative_zero));
    /* The smallest subnormal, correctly rounded. */
    ck_assert(romcv__json_number(romcv__json_at(a, 2)) == 4.9406564584124654e-324);
    ck_assert(romcv__json_number(romcv__json_at(a, 3)) == 0.1);
    ck_assert(romcv__json_number(romcv__json_at(a, 4)) == 100.0);
    ck_assert(romcv__json_number(romcv__json_at(a, 5)) == -0.0015);
    ck_assert(romcv__json_number(romcv__json_at(a, 6)) == 0.1 + 0.2);
    ck_assert(romcv__json_number(romcv__json_at(a, 7)) == 1.2345678901234568e29);
    ck_assert(romcv__json_number(romcv__json_at(a, 8)) == 2.2250738585072014e-308);
    /* Underflow reads as zero: a value too small to hold is not an error. */
    ck_assert(romcv__json_number(romcv__json_at(a, 9)) == 0.0);
    ck_assert(romcv__json_number(romcv__json_at(a, 10)) == 0.0);
    /* Ties round to even: 2^53 + 1 reads as 2^53. */
    ck_assert(romcv__json_number(romcv__json_at(a, 11)) == 9007199254740992.0);
    ck_assert(romcv__json_number(romcv__json_at(a, 12)) == 1.7976931348623157e308);
    romcv__json_free(&doc);
}
END_TEST

typedef struct ErrorCase {
    const char *text;
    const char *message; /* after "e.json:" */
} ErrorCase;

START_TEST(json_error_messages) {
    static const ErrorCase cases[] = {
        {"", "1:1: expected a value, found end of input"},
        {"   \n ", "2:2: expected a value, found end of input"},
        {"{\"a\":1 \"b\":2}", "1:8: expected ',' or '}' after object member, found '\"'"},
        {"{\"a\":1", "1:7: expected ',' or '}' after object member, found end of input"},
        {"[1,]", "1:4: expected a value after ',' (JSON allows no trailing comma), found ']'"},
        {"{\"a\":1,}", "1:8: expected '\"' to begin an object key after ',' (JSON allows no "
                       "trailing comma), found '}'"},
        {"{a:1}", "1:2: expected '\"' to begin an object key, found 'a'"},
        {"{\"a\" 1}", "1:6: expected ':' after object key, found '1'"},
        {"{\"a\":}", "1:6: expected a value, found '}'"},
        {"[1 2]", "1:4: expected ',' or ']' after array element, found '2'"},
        {"[1", "1:3: expected ',' or ']' after array element, found end of input"},
        {"// comment\n1", "1:1: expected a value, found '/'"},
        {"/* c */ 1", "1:1: expected a value, found '/'"},
        {"NaN", "1:1: expected a value (JSON has no NaN or Infinity), found 'N'"},
        {"[Infinity]", "1:2: expected a value (JSON has no NaN or Infinity), found 'I'"},
        {"-Infinity", "1:2: expected a digit after '-', found 'I'"},
        {"tru", "1:4: invalid literal: expected 'true', found end of input"},
        {"nul1", "1:4: invalid literal: expected 'null', found '1'"},
        {"True", "1:1: expected a value, found 'T'"},
        {"'a'", "1:1: expected a value, found byte 0x27"},
        {"01", "1:2: leading zeros are not allowed in numbers"},
        {"-01", "1:3: leading zeros are not allowed in numbers"},
        {"1.", "1:3: expected a digit after the decimal point, found end of input"},
        {"1.e5", "1:3: expected a digit after the decimal point, found 'e'"},
        {"1e", "1:3: expected a digit in the exponent, found end of input"},
        {"1e+", "1:4: expected a digit in the exponent, found end of input"},
        {".5", "1:1: expected a value, found '.'"},
        {"+1", "1:1: expected a value, found '+'"},
        {"0x10", "1:2: expected the end of input after the top-level value, found 'x'"},
        {"1e400", "1:1: number 1e400 is out of the range of a double"},
        {"[-1e309]", "1:2: number -1e309 is out of the range of a double"},
        {"\"abc", "1:1: unterminated string (no closing '\"' before the end of input)"},
        {"\"abc\\", "1:1: unterminated string (no closing '\"' before the end of input)"},
        {"\"a\nb\"", "1:3: control character U+000A in a string (write it as an escape)"},
        {"\"a\tb\"", "1:3: control character U+0009 in a string (write it as an escape)"},
        {"\"\\x\"", "1:2: invalid escape '\\' followed by 'x' (valid: \\\" \\\\ \\/ \\b \\f \\n "
                    "\\r \\t \\uXXXX)"},
        {"\"\\U0041\"", "1:2: invalid escape '\\' followed by 'U' (valid: \\\" \\\\ \\/ \\b \\f "
                        "\\n \\r \\t \\uXXXX)"},
        {"\"\\u12G4\"", "1:2: invalid \\u escape (expected 4 hexadecimal digits)"},
        {"\"\\u12\"", "1:2: invalid \\u escape (expected 4 hexadecimal digits)"},
        {"\"\\ud83d\"", "1:2: unpaired surrogate \\uD83D (a high surrogate needs a \\uDC00 to "
                        "\\uDFFF escape after it)"},
        {"\"\\ud83d\\u0041\"", "1:2: unpaired surrogate \\uD83D (a high surrogate needs a "
                               "\\uDC00 to \\uDFFF escape after it)"},
        {"\"\\ude00\"",
         "1:2: unpaired surrogate \\uDE00 (a low surrogate needs a high one before it)"},
        {"\"\xC3\x28\"", "1:2: invalid UTF-8 (byte 0xC3)"},
        {"\"\xC0\xAF\"", "1:2: invalid UTF-8 (byte 0xC0)"},         /* overlong '/' */
        {"\"\xE0\x80\xAF\"", "1:2: invalid UTF-8 (byte 0xE0)"},     /* overlong */
        {"\"\xED\xA0\x80\"", "1:2: invalid UTF-8 (byte 0xED)"},     /* encoded surrogate */
        {"\"\xF4\x90\x80\x80\"", "1:2: invalid UTF-8 (byte 0xF4)"}, /* above U+10FFFF */
        {"\"\x80\"", "1:2: invalid UTF-8 (byte 0x80)"},             /* stray continuation */
        {"\"\xFF\"", "1:2: invalid UTF-8 (byte 0xFF)"},
        {"\"\xE2\x82\"", "1:2: invalid UTF-8 (byte 0xE2)"}, /* cut short */
        {"1 2", "1:3: expected the end of input after the top-level value, found '2'"},
        {"{} x", "1:4: expected the end of input after the top-level value, found 'x'"},
        {"{\n  \"a\": 1,\n  \"b\" 2\n}", "3:7: expected ':' after object key, found '2'"},
        /* Columns count characters: the two-byte e-acute is one column. */
        {"[\"\xC3\xA9\" x]", "1:6: expected ',' or ']' after array element, found 'x'"},
        {"{\"a\":1,\n\"a\":2}", "2:5: duplicate key \"a\" (first at 1:6)"},
        {"{\"k\":{\"b\":1,\"c\":2,\"b\":[]}}", "1:23: duplicate key \"b\" (first at 1:11)"},
        {"{\"\\u0061\":1,\"a\":2}", "1:17: duplicate key \"a\" (first at 1:11)"},
        {"\xEF\xBB", "1:1: expected a value, found byte 0xEF"},
        {"\xC2\xA0"
         "1",
         "1:1: expected a value, found byte 0xC2"}, /* no-break space */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        RomcvDiag diag = {0};
        int rc = parse_fail(cases[i].text, strlen(cases[i].text), "e.json", &diag);
        ck_assert_msg(rc == ROMCV_E_INVALID_DATA, "case %zu: code %d", i, rc);
        ck_assert_int_eq(diag.code, ROMCV_E_INVALID_DATA);
        char expected[ROMCV_DIAG_MESSAGE_SIZE];
        snprintf(expected, sizeof expected, "e.json:%s", cases[i].message);
        ck_assert_msg(strcmp(diag.message, expected) == 0, "case %zu (%s):\n got  %s\n want %s", i,
                      cases[i].text, diag.message, expected);
    }
    /* A NUL byte inside the text is not the end of it. */
    RomcvDiag diag = {0};
    parse_fail("[1,\0]", 5, "nul.json", &diag);
    ck_assert_str_eq(diag.message, "nul.json:1:4: expected a value, found byte 0x00");
    /* The example from the brief: a camera file missing a comma. */
    const char *camera = "{\n  \"fx\": 1000.5,\n  \"fy\": 1000 \"cx\": 3\n}";
    parse_fail(camera, strlen(camera), "camera.json", &diag);
    ck_assert_str_eq(diag.message,
                     "camera.json:3:14: expected ',' or '}' after object member, found '\"'");
    /* No label: "<json>"; no diag: only the code. */
    parse_fail("[", 1, NULL, &diag);
    ck_assert_str_eq(diag.message, "<json>:1:2: expected a value, found end of input");
    RomcvJsonDoc *doc = NULL;
    ck_assert_int_eq(romcv__json_parse(&doc, "[", 1, NULL, NULL), ROMCV_E_INVALID_DATA);
    ck_assert_int_eq(romcv__json_parse(NULL, "1", 1, NULL, NULL), ROMCV_ERR(EINVAL));
}
END_TEST

/* Uses every construct, so each cut lands in a different parser state. */
static const char sample_doc[] =
    "{\"frame\": 12, \"ok\": true, \"no\": false, \"none\": null,\n"
    " \"s\": \"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\xC3\xA9\","
    " \"nums\": [-0.5e-3, 1E+2, 0, 123.25],\n"
    " \"nested\": {\"a\": [[], {}], \"b\": {\"c\": [1, \"x\"]}}, \"last\": \"\"}";

START_TEST(json_truncated_at_every_length) {
    size_t full = strlen(sample_doc);
    RomcvJsonDoc *doc = parse_ok(sample_doc);
    ck_assert_uint_eq(romcv__json_size(romcv__json_root(doc)), 8);
    romcv__json_free(&doc);
    for (size_t len = 0; len < full; len++) {
        RomcvDiag diag = {0};
        int rc = parse_fail(sample_doc, len, "cut.json", &diag);
        ck_assert_msg(rc == ROMCV_E_INVALID_DATA, "length %zu: code %d", len, rc);
        ck_assert_msg(strncmp(diag.message, "cut.json:", 9) == 0, "length %zu: %s", len,
                      diag.message);
    }
}
END_TEST

/* Every single-byte corruption of the sample parses or fails cleanly. */
START_TEST(json_corrupted_bytes) {
    size_t full = strlen(sample_doc);
    static const char replacements[] = {'\0', '"', '\\', '}', ']', ',', ':', 'x', '\n', '\x80'};
    int failures = 0;
    for (size_t at = 0; at < full; at++) {
        for (size_t r = 0; r < sizeof replacements; r++) {
            char *copy = malloc(full);
            ck_assert_ptr_nonnull(copy);
            memcpy(copy, sample_doc, full);
            copy[at] = replacements[r];
            RomcvJsonDoc *doc = NULL;
            RomcvDiag diag = {0};
            int rc = romcv__json_parse(&doc, copy, full, "bad.json", &diag);
            free(copy);
            if (rc != 0) {
                failures++;
                ck_assert_ptr_null(doc);
                ck_assert_int_eq(rc, ROMCV_E_INVALID_DATA);
            }
            romcv__json_free(&doc);
        }
    }
    ck_assert_int_gt(failures, (int)full); /* most corruptions are errors */
}
END_TEST

/* Writes into a buffer writer and returns the text (malloc'd). */
static char *finish_buffer(RomcvJsonWriter **w) {
    RomcvDiag diag = {0};
    int rc = romcv__json_writer_finish(*w, &diag);
    ck_assert_msg(rc == 0, "finish: %s", diag.message);
    size_t size = 0;
    const char *text = romcv__json_writer_buffer(*w, &size);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(strlen(text), size);
    char *copy = strdup(text);
    romcv__json_writer_destroy(w);
    ck_assert_ptr_null(*w);
    return copy;
}

START_TEST(json_writer_compact_and_numbers) {
    RomcvJsonWriter *w = NULL;
    ck_assert_int_eq(romcv__json_writer_create(&w, NULL, 0), 0);
    romcv__json_write_begin_object(w);
    romcv__json_write_key(w, "n");
    romcv__json_write_begin_array(w);
    const double numbers[] = {
        0.1,   5e-324, 1e308,    -0.0,      3.0,    1.0 / 3.0,          0.1 + 0.2,          1e15,
        1e300, NAN,    INFINITY, -INFINITY, 2.5e-7, 9007199254740992.0, 0.5627403259277344, 1e21};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        romcv__json_write_number(w, numbers[i]);
    romcv__json_write_end_array(w);
    romcv__json_write_key(w, "i");
    romcv__json_write_int64(w, INT64_MIN);
    romcv__json_write_key(w, "b");
    romcv__json_write_bool(w, 1);
    romcv__json_write_key(w, "z");
    romcv__json_write_null(w);
    romcv__json_write_key(w, "e");
    romcv__json_write_begin_object(w);
    romcv__json_write_end_object(w);
    romcv__json_write_end_object(w);
    char *text = finish_buffer(&w);
    ck_assert_str_eq(text, "{\"n\":[0.1,5e-324,1e+308,-0,3,0.3333333333333333,"
                           "0.30000000000000004,1000000000000000,1e+300,null,null,null,"
                           "2.5e-07,9007199254740992,0.5627403259277344,1e+21],"
                           "\"i\":-9223372036854775808,\"b\":true,\"z\":null,\"e\":{}}");
    /* Every finite number reads back to the same double. */
    RomcvJsonDoc *doc = parse_ok(text);
    const RomcvJsonValue *n = romcv__json_get(romcv__json_root(doc), "n");
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        const RomcvJsonValue *v = romcv__json_at(n, i);
        if (isfinite(numbers[i])) {
            ck_assert(romcv__json_number(v) == numbers[i]);
            ck_assert_int_eq(!!signbit(romcv__json_number(v)), !!signbit(numbers[i]));
        } else {
            ck_assert(romcv__json_is_null(v));
        }
    }
    romcv__json_free(&doc);
    free(text);
}
END_TEST

START_TEST(json_writer_strings_round_trip) {
    RomcvJsonWriter *w = NULL;
    ck_assert_int_eq(romcv__json_writer_create(&w, NULL, ROMCV_JSON_WRITE_PRETTY), 0);
    romcv__json_write_begin_array(w);
    romcv__json_write_string(w, "quote\" backslash\\ slash/ \b\f\n\r\t \x01\x1f\x7f");
    romcv__json_write_string(w, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    /* Invalid UTF-8: a stray continuation, an overlong, a cut sequence. */
    romcv__json_write_string(w, "a\x80z\xC0\xAF\xE2\x82");
    romcv__json_write_string_n(w, "n\0l", 3);
    romcv__json_write_begin_object(w);
    romcv__json_write_key(w, "k\"ey");
    romcv__json_write_number(w, 2.5);
    romcv__json_write_key(w, "arr");
    romcv__json_write_begin_array(w);
    romcv__json_write_end_array(w);
    romcv__json_write_end_object(w);
    romcv__json_write_end_array(w);
    char *text = finish_buffer(&w);
    ck_assert_str_eq(text,
                     "[\n"
                     "  \"quote\\\" backslash\\\\ slash/ \\b\\f\\n\\r\\t \\u0001\\u001f\x7f\",\n"
                     "  \"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\",\n"
                     "  \"a\xEF\xBF\xBDz\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\",\n"
                     "  \"n\\u0000l\",\n"
                     "  {\n"
                     "    \"k\\\"ey\": 2.5,\n"
                     "    \"arr\": []\n"
                     "  }\n"
                     "]\n");
    RomcvJsonDoc *doc = parse_ok(text);
    const RomcvJsonValue *root = romcv__json_root(doc);
    ck_assert_str_eq(romcv__json_string(romcv__json_at(root, 0), NULL),
                     "quote\" backslash\\ slash/ \b\f\n\r\t \x01\x1f\x7f");
    ck_assert_str_eq(romcv__json_string(romcv__json_at(root, 1), NULL),
                     "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    size_t len = 0;
    romcv__json_string(romcv__json_at(root, 3), &len);
    ck_assert_uint_eq(len, 3);
    ck_assert(romcv__json_number(romcv__json_get(romcv__json_at(root, 4), "k\"ey")) == 2.5);
    romcv__json_free(&doc);
    free(text);
}
END_TEST

START_TEST(json_writer_lines_to_file) {
    FILE *file = tmpfile();
    ck_assert_ptr_nonnull(file);
    RomcvJsonWriter *w = NULL;
    ck_assert_int_eq(romcv__json_writer_create(&w, file, ROMCV_JSON_WRITE_LINES), 0);
    ck_assert_ptr_null(romcv__json_writer_buffer(w, NULL));
    for (int frame = 0; frame < 3; frame++) {
        romcv__json_write_begin_object(w);
        romcv__json_write_key(w, "frame");
        romcv__json_write_int64(w, frame);
        romcv__json_write_key(w, "landmarks");
        if (frame == 1) {
            romcv__json_write_null(w);
        } else {
            romcv__json_write_begin_array(w);
            romcv__json_write_number(w, 0.25 * frame);
            romcv__json_write_end_array(w);
        }
        romcv__json_write_end_object(w);
    }
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv__json_writer_finish(w, &diag), 0);
    romcv__json_writer_destroy(&w);
    rewind(file);
    char buf[256] = {0};
    size_t n = fread(buf, 1, sizeof buf - 1, file);
    fclose(file);
    buf[n] = '\0';
    ck_assert_str_eq(buf, "{\"frame\":0,\"landmarks\":[0]}\n"
                          "{\"frame\":1,\"landmarks\":null}\n"
                          "{\"frame\":2,\"landmarks\":[0.5]}\n");
}
END_TEST

START_TEST(json_writer_write_error_is_sticky) {
    /* /dev/full accepts the open and fails every flushed write with ENOSPC. */
    FILE *file = fopen("/dev/full", "w");
    ck_assert_ptr_nonnull(file);
    RomcvJsonWriter *w = NULL;
    ck_assert_int_eq(romcv__json_writer_create(&w, file, 0), 0);
    romcv__json_write_begin_array(w);
    for (int i = 0; i < 10000; i++)
        romcv__json_write_string(w, "fill the stdio buffer so that a write reaches the device");
    romcv__json_write_end_array(w);
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv__json_writer_finish(w, &diag), ROMCV_ERR(ENOSPC));
    ck_assert_str_eq(diag.message, "JSON writer: write failed: No space left on device");
    romcv__json_writer_destroy(&w);
    fclose(file);
}
END_TEST

typedef void (*MisuseFn)(RomcvJsonWriter *w);

static void misuse_value_without_key(RomcvJsonWriter *w) {
    romcv__json_write_begin_object(w);
    romcv__json_write_number(w, 1);
    romcv__json_write_end_object(w);
}
static void misuse_key_in_array(RomcvJsonWriter *w) {
    romcv__json_write_begin_array(w);
    romcv__json_write_key(w, "k");
    romcv__json_write_end_array(w);
}
static void misuse_two_keys(RomcvJsonWriter *w) {
    romcv__json_write_begin_object(w);
    romcv__json_write_key(w, "a");
    romcv__json_write_key(w, "b");
}
static void misuse_dangling_key(RomcvJsonWriter *w) {
    romcv__json_write_begin_object(w);
    romcv__json_write_key(w, "a");
    romcv__json_write_end_object(w);
}
static void misuse_mismatched_end(RomcvJsonWriter *w) {
    romcv__json_write_begin_array(w);
    romcv__json_write_end_object(w);
}
static void misuse_unclosed(RomcvJsonWriter *w) {
    romcv__json_write_begin_array(w);
    romcv__json_write_begin_object(w);
}
static void misuse_two_top_values(RomcvJsonWriter *w) {
    romcv__json_write_null(w);
    romcv__json_write_null(w);
}
static void misuse_nothing(RomcvJsonWriter *w) {
    (void)w;
}
static void misuse_too_deep(RomcvJsonWriter *w) {
    for (int i = 0; i <= ROMCV_JSON_DEFAULT_MAX_DEPTH; i++)
        romcv__json_write_begin_array(w);
}

START_TEST(json_writer_misuse) {
    static const struct {
        MisuseFn fn;
        int sticky; /* the error is set before finish */
        const char *message;
    } cases[] = {
        {misuse_value_without_key, 1, "JSON writer: value inside an object without a key"},
        {misuse_key_in_array, 1, "JSON writer: key \"k\" outside an object"},
        {misuse_two_keys, 1, "JSON writer: key \"b\" after a key without a value"},
        {misuse_dangling_key, 1, "JSON writer: object ends after a key without a value"},
        {misuse_mismatched_end, 1, "JSON writer: end of object without a matching begin"},
        {misuse_unclosed, 0, "JSON writer: 2 container(s) left open"},
        {misuse_two_top_values, 1,
         "JSON writer: second top-level value (only "
         "ROMCV_JSON_WRITE_LINES allows several)"},
        {misuse_nothing, 0, "JSON writer: no value written"},
        {misuse_too_deep, 1, "JSON writer: nesting deeper than 64 levels"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        RomcvJsonWriter *w = NULL;
        ck_assert_int_eq(romcv__json_writer_create(&w, NULL, 0), 0);
        cases[i].fn(w);
        size_t before = 0, after = 0;
        romcv__json_writer_buffer(w, &before);
        if (cases[i].sticky) {
            /* Sticky: nothing more is written after the first error, and
             * finish reports that first error, not a later one. */
            romcv__json_write_end_array(w);
            romcv__json_write_string(w, "ignored");
        }
        romcv__json_writer_buffer(w, &after);
        ck_assert_uint_eq(before, after);
        RomcvDiag diag = {0};
        ck_assert_int_eq(romcv__json_writer_finish(w, &diag), ROMCV_E_USAGE);
        ck_assert_msg(strcmp(diag.message, cases[i].message) == 0, "case %zu: %s", i, diag.message);
        romcv__json_writer_destroy(&w);
    }
    romcv__json_writer_destroy(NULL);
}
END_TEST

START_TEST(json_reads_reference_line) {
    char *path = romcv_test_shared_file("reference/squat_side.m1.jsonl");
    size_t size = 0;
    char *text = romcv_test_read_file(path, &size);
    ck_assert_ptr_nonnull(text);
    char *newline = memchr(text, '\n', size);
    ck_assert_ptr_nonnull(newline);
    RomcvJsonDoc *doc = NULL;
    RomcvDiag diag = {0};
    int rc = romcv__json_parse(&doc, text, (size_t)(newline - text), path, &diag);
    ck_assert_msg(rc == 0, "%s", diag.message);
    const RomcvJsonValue *root = romcv__json_root(doc);
    int64_t frame = -1, width = 0, height = 0;
    ck_assert_int_eq(romcv__json_int64(romcv__json_get(root, "frame"), &frame), 0);
    ck_assert_int_eq(romcv__json_int64(romcv__json_get(root, "width"), &width), 0);
    ck_assert_int_eq(romcv__json_int64(romcv__json_get(root, "height"), &height), 0);
    ck_assert_int_eq(frame, 0);
    ck_assert_int_eq(width, 608);
    ck_assert_int_eq(height, 1080);
    const RomcvJsonValue *landmarks = romcv__json_get(root, "landmarks");
    ck_assert_uint_eq(romcv__json_size(landmarks), 33);
    /* The exact doubles the oracle printed. */
    const RomcvJsonValue *nose = romcv__json_at(landmarks, 0);
    ck_assert(romcv__json_number(romcv__json_get(nose, "x")) == 0.5627403259277344);
    ck_assert(romcv__json_number(romcv__json_get(nose, "y")) == 0.3735412061214447);
    ck_assert(romcv__json_number(romcv__json_get(nose, "visibility")) == 0.9793661236763);
    ck_assert_uint_eq(romcv__json_size(romcv__json_get(root, "world_landmarks")), 33);
    const RomcvJsonValue *detection = romcv__json_get(romcv__json_get(root, "debug"), "detection");
    ck_assert(romcv__json_number(romcv__json_at(romcv__json_get(detection, "score"), 0)) ==
              0.9606665968894958);
    ck_assert_uint_eq(romcv__json_size(romcv__json_get(detection, "relative_keypoints")), 4);
    ck_assert_int_eq(romcv__json_bool(romcv__json_get(root, "new_sequence")), 1);
    romcv__json_free(&doc);
    free(text);
    free(path);
}
END_TEST

/* An application that set a decimal-comma locale (setlocale(LC_ALL, "")
 * with LANG=de_DE.UTF-8) must still read and write '.'. The test compiles
 * de_DE into a temporary folder with localedef and selects it for this
 * thread only. */
START_TEST(json_numbers_ignore_the_locale) {
    char *dir = romcv_test_make_tmpdir();
    char command[1024], output[1024];
    snprintf(command, sizeof command, "localedef -i de_DE -f UTF-8 '%s/de_DE.UTF-8'", dir);
    int status = romcv_test_run(command, output, sizeof output);
    /* localedef exits 1 when it only warned. */
    ck_assert_msg(status == 0 || status == 1, "localedef: %d %s", status, output);
    ck_assert_int_eq(setenv("LOCPATH", dir, 1), 0);
#ifdef HAVE_LSAN
    /* glibc keeps the loaded locale's file list for the life of the process,
     * which LeakSanitizer would report; that memory is glibc's, not ours. */
    __lsan_disable();
#endif
    locale_t german = newlocale(LC_ALL_MASK, "de_DE.UTF-8", (locale_t)0);
#ifdef HAVE_LSAN
    __lsan_enable();
#endif
    ck_assert_msg(german != (locale_t)0, "de_DE.UTF-8 did not load from %s", dir);
    locale_t previous = uselocale(german);
    char check[16];
    snprintf(check, sizeof check, "%.1f", 0.5);
    ck_assert_str_eq(check, "0,5"); /* the locale is in force */

    RomcvJsonDoc *doc = parse_ok("[0.5, 1e-3, -2.25E2, 12]");
    const RomcvJsonValue *a = romcv__json_root(doc);
    ck_assert(romcv__json_number(romcv__json_at(a, 0)) == 0.5);
    ck_assert(romcv__json_number(romcv__json_at(a, 1)) == 0.001);
    ck_assert(romcv__json_number(romcv__json_at(a, 2)) == -225.0);
    romcv__json_free(&doc);
    RomcvJsonWriter *w = NULL;
    ck_assert_int_eq(romcv__json_writer_create(&w, NULL, 0), 0);
    romcv__json_write_begin_array(w);
    romcv__json_write_number(w, 0.5);
    romcv__json_write_number(w, 0.1);
    romcv__json_write_number(w, 1e-300);
    romcv__json_write_end_array(w);
    char *text = finish_buffer(&w);
    ck_assert_str_eq(text, "[0.5,0.1,1e-300]");
    free(text);
    /* The caller's locale is back in force afterwards. */
    snprintf(check, sizeof check, "%.1f", 0.5);
    ck_assert_str_eq(check, "0,5");

    uselocale(previous);
    freelocale(german);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

static Suite *json_suite(void) {
    Suite *s = suite_create("json");
    TCase *reader = tcase_create("reader");
    tcase_add_test(reader, json_values_and_lookup);
    tcase_add_test(reader, json_top_level_scalars);
    tcase_add_test(reader, json_escapes_and_surrogates);
    tcase_add_test(reader, json_depth_limit);
    tcase_add_test(reader, json_size_limit);
    tcase_add_test(reader, json_numbers);
    tcase_add_test(reader, json_error_messages);
    tcase_add_test(reader, json_truncated_at_every_length);
    tcase_add_test(reader, json_corrupted_bytes);
    tcase_add_test(reader, json_reads_reference_line);
    suite_add_tcase(s, reader);
    TCase *writer = tcase_create("writer");
    tcase_add_test(writer, json_writer_compact_and_numbers);
    tcase_add_test(writer, json_writer_strings_round_trip);
    tcase_add_test(writer, json_writer_lines_to_file);
    tcase_add_test(writer, json_writer_write_error_is_sticky);
    tcase_add_test(writer, json_writer_misuse);
    tcase_add_test(writer, json_numbers_ignore_the_locale);
    suite_add_tcase(s, writer);
    return s;
}

int main(void) {
    return romcv_test_main(json_suite());
}
