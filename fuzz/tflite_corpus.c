/*
 * fuzz/tflite_corpus.c: writes small, valid TFLite models into a directory as
 * seeds for fuzz_tflite (scripts/fuzz.sh). Small seeds matter: the real models
 * are megabytes of weights, and most mutations of them only change a weight.
 *
 * Usage: tflite_corpus DIR
 */
#include "tests/vision/tflite_builder.h"

#include <stdio.h>
#include <stdlib.h>

static int write_model(const char *dir, const char *name, const TfbModel *m) {
    char path[4096];
    size_t size;
    uint8_t *bytes = tfb_build(m, &size);
    if (!bytes)
        return -1;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(bytes, 1, size, f) == size;
    if (f && fclose(f) != 0)
        ok = 0;
    free(bytes);
    if (!ok)
        fprintf(stderr, "tflite_corpus: cannot write %s\n", path);
    return ok ? 0 : -1;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: tflite_corpus DIR\n");
        return 2;
    }
    TfbModel m;
    int rc = 0;
    tfb_example_model(&m);
    rc |= write_model(argv[1], "example.tflite", &m);
    /* The same graph cut after each op, so every op is also the last one. */
    TfbModel cut;
    for (int n = 1; n < m.n_ops; n++) {
        char name[64];
        cut = m;
        cut.n_ops = n;
        cut.outputs[0] = cut.ops[n - 1].out[0];
        snprintf(name, sizeof name, "example_%02d_ops.tflite", n);
        rc |= write_model(argv[1], name, &cut);
    }
    return rc ? 1 : 0;
}
