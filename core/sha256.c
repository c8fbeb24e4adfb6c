/*
 * core/sha256.c: SHA-256 (FIPS 180-4), used to pin the model files. Written
 * out here rather than taken from a crypto library because romcv needs only
 * this one function and it keeps the dependency list to what the pipeline
 * needs. Speed is not a concern: the models are hashed once per run.
 */
#include "romcv/core.h"

#include <stdio.h>
#include <string.h>

/* FIPS 180-4, 4.2.2: the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. */
static const uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t rotr(uint32_t x, int n) {
    return (x >> n) | (x << (32 - n));
}

static void compress(uint32_t state[8], const uint8_t block[64]) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++) {
        w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 |
               (uint32_t)block[4 * i + 2] << 8 | (uint32_t)block[4 * i + 3];
    }
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int i = 0; i < 64; i++) {
        uint32_t sum1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        uint32_t choose = (e & f) ^ (~e & g);
        uint32_t t1 = h + sum1 + choose + round_constants[i] + w[i];
        uint32_t sum0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = sum0 + majority;
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
}

void romcv_sha256_init(RomcvSha256 *ctx) {
    /* FIPS 180-4, 5.3.3: square roots of the first 8 primes. */
    static const uint32_t initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(ctx->state, initial, sizeof initial);
    ctx->length_bytes = 0;
    ctx->block_used = 0;
}

void romcv_sha256_update(RomcvSha256 *ctx, const void *data, size_t size) {
    const uint8_t *bytes = data;
    ctx->length_bytes += size;
    while (size > 0) {
        size_t take = 64 - ctx->block_used;
        if (take > size) {
            take = size;
        }
        memcpy(ctx->block + ctx->block_used, bytes, take);
        ctx->block_used += take;
        bytes += take;
        size -= take;
        if (ctx->block_used == 64) {
            compress(ctx->state, ctx->block);
            ctx->block_used = 0;
        }
    }
}

void romcv_sha256_final_hex(RomcvSha256 *ctx, char hex[65]) {
    uint64_t bit_length = ctx->length_bytes * 8;
    uint8_t pad = 0x80;
    /* Keep the running length unchanged by the padding bytes. */
    uint64_t saved = ctx->length_bytes;
    romcv_sha256_update(ctx, &pad, 1);
    uint8_t zero = 0;
    while (ctx->block_used != 56) {
        romcv_sha256_update(ctx, &zero, 1);
    }
    uint8_t length_be[8];
    for (int i = 0; i < 8; i++) {
        length_be[i] = (uint8_t)(bit_length >> (56 - 8 * i));
    }
    romcv_sha256_update(ctx, length_be, 8);
    ctx->length_bytes = saved;
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++) {
        for (int j = 0; j < 4; j++) {
            uint8_t byte = (uint8_t)(ctx->state[i] >> (24 - 8 * j));
            hex[8 * i + 2 * j] = digits[byte >> 4];
            hex[8 * i + 2 * j + 1] = digits[byte & 15];
        }
    }
    hex[64] = '\0';
}

int romcv_sha256_file(const char *path, char hex[65], RomcvDiag *diag) {
    FILE *file = fopen(path, "rb");
    if (!file) {
        int err = errno;
        return romcv_diag_set(diag, ROMCV_ERR(err), "%s: cannot open (%s)", path,
                              romcv_strerror(ROMCV_ERR(err)));
    }
    RomcvSha256 ctx;
    romcv_sha256_init(&ctx);
    uint8_t buffer[65536];
    size_t got;
    while ((got = fread(buffer, 1, sizeof buffer, file)) > 0) {
        romcv_sha256_update(&ctx, buffer, got);
    }
    int failed = ferror(file);
    fclose(file);
    if (failed) {
        return romcv_diag_set(diag, ROMCV_ERR(EIO), "%s: read error", path);
    }
    romcv_sha256_final_hex(&ctx, hex);
    return 0;
}
