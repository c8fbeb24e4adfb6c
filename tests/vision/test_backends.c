/*
 * tests/vision/test_backends.c: the two inference backends compute the same
 * graphs. Every output of every BlazePose model, run by the portable C backend
 * and by XNNPACK on the same input, must agree to a relative L2 error of 1e-4
 * (inference.md: what an independent float64 reference gets against an fp32
 * implementation; rel_l2() says how numerically zero outputs are handled).
 * Inputs: seeded noise in [0,1], and a real person cropped from
 * ../shared/samples/squat_side.mp4 with the ffmpeg CLI. Small synthetic graphs
 * (tests/vision/tflite_builder.h) cover the XNNPACK backend's concatenation
 * handling in the places the real models never put one.
 *
 * The figures are printed for every output ("agree: ..."), so a run with
 * ctest -V shows the margins, not only a pass.
 */
#include "testutil.h"
#include "tflite_builder.h"

#include "romcv/vision.h"
#include "vision/inference.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AGREEMENT 1e-4

/* ---------------------------------------------------------------- helpers */

static RomcvTfliteModel *load_checked(RomcvTfliteModel *m, RomcvDiag *diag) {
    ck_assert_msg(romcv__tflite_materialise_constants(m, diag) == 0, "%s", diag->message);
    ck_assert_msg(romcv__tflite_check_supported(m, diag) == 0, "%s", diag->message);
    return m;
}

static RomcvTfliteModel *load_model(RomcvModelId id) {
    char *path = romcv_test_path(romcv_test_env("ROMCV_MODELS"), romcv_model_info(id)->file_name);
    RomcvTfliteModel *m = NULL;
    RomcvDiag diag = {0};
    ck_assert_msg(romcv__tflite_load_file(&m, path, &diag) == 0, "%s", diag.message);
    free(path);
    return load_checked(m, &diag);
}

#if ROMCV_HAVE_XNNPACK

static RomcvTfliteModel *load_built(const TfbModel *description) {
    size_t size;
    uint8_t *bytes = tfb_build(description, &size);
    ck_assert_ptr_nonnull(bytes);
    RomcvTfliteModel *m = NULL;
    RomcvDiag diag = {0};
    ck_assert_msg(romcv__tflite_load(&m, bytes, size, &diag) == 0, "%s", diag.message);
    free(bytes);
    return load_checked(m, &diag);
}

static RomcvInference *create(const RomcvTfliteModel *m, RomcvInferenceBackend backend, int threads,
                              const char *const *outputs) {
    RomcvInferenceSettings settings;
    romcv__inference_default_settings(&settings);
    settings.backend = backend;
    settings.threads = threads;
    settings.outputs = outputs;
    RomcvInference *inference = NULL;
    RomcvDiag diag = {0};
    int rc = romcv__inference_create(&inference, m, &settings, &diag);
    ck_assert_msg(rc == 0, "%s backend: %s", romcv__inference_backend_name(backend), diag.message);
    ck_assert_int_eq(romcv__inference_backend(inference), backend);
    return inference;
}

/* Deterministic noise in [0,1): a 32-bit LCG, top 24 bits. */
static void fill_noise(float *data, size_t count, uint32_t seed) {
    for (size_t i = 0; i < count; i++) {
        seed = seed * 1664525u + 1013904223u;
        data[i] = (float)(seed >> 8) / 16777216.0f;
    }
}

/* Runs one backend on input (count floats, or noise from seed when NULL). */
static void run(RomcvInference *inference, const float *input, uint32_t seed) {
    RomcvTensorView view;
    ck_assert_int_eq(romcv__inference_input(inference, 0, &view), 0);
    if (input)
        memcpy(view.data, input, view.count * sizeof(float));
    else
        fill_noise(view.data, view.count, seed);
    RomcvDiag diag = {0};
    ck_assert_msg(romcv__inference_run(inference, &diag) == 0, "%s", diag.message);
}

/* ||a - b|| / ||b||, in double. The norm of b is floored at 1e-6 per
 * element (RMS): an output that is numerically zero (the pose flag on noise
 * is sigmoid(-34) = 1.7e-15) would otherwise turn the absolute error of its
 * logit into a "relative" one. The real models' outputs have norms of 1 to
 * 6e4, far above the floor. *raw gets the unfloored ratio. */
static double rel_l2(const float *a, const float *b, size_t n, double *raw) {
    double err = 0.0, norm = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - (double)b[i];
        err += d * d;
        norm += (double)b[i] * (double)b[i];
    }
    double floor_norm = 1e-6 * sqrt((double)n);
    *raw = norm > 0.0 ? sqrt(err / norm) : (err > 0.0 ? INFINITY : 0.0);
    return sqrt(err) / fmax(sqrt(norm), floor_norm);
}

static bool all_finite(const float *a, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(a[i]))
            return false;
    return true;
}

/* Compares every output ref computed with the same output of x (usually
 * XNNPACK against portable) and prints the figures; fails on the first output
 * above tolerance or non-finite. */
static void assert_agree(const RomcvTfliteModel *m, RomcvInference *x, RomcvInference *ref,
                         const char *what, double tolerance) {
    int compared = 0;
    for (int i = 0; i < m->n_outputs; i++) {
        const char *name = m->tensors[m->outputs[i]].name;
        RomcvTensorView a, b;
        if (romcv__inference_output(ref, name, &b) != 0)
            continue; /* not asked for */
        ck_assert_int_eq(romcv__inference_output(x, name, &a), 0);
        ck_assert_uint_eq(a.count, b.count);
        ck_assert_msg(all_finite(b.data, b.count), "%s %s: reference output not finite", m->label,
                      name);
        ck_assert_msg(all_finite(a.data, a.count), "%s %s: output not finite", m->label, name);
        double raw;
        double e = rel_l2(a.data, b.data, a.count, &raw);
        printf("agree: %-26s %-6s %-10s n=%-6zu rel L2 %.3g (raw %.3g)\n", m->label, what, name,
               a.count, e, raw);
        fflush(stdout);
        ck_assert_msg(e <= tolerance, "%s %s on %s: relative L2 error %.3g > %.3g", m->label, name,
                      what, e, tolerance);
        compared++;
    }
    ck_assert_int_gt(compared, 0);
}

/* Both backends on one input (noise when input is NULL); every output agrees. */
static void check_model(RomcvModelId id, const float *input, const char *what) {
    RomcvTfliteModel *m = load_model(id);
    RomcvInference *ref = create(m, ROMCV_INFERENCE_PORTABLE, 1, NULL);
    RomcvInference *x = create(m, ROMCV_INFERENCE_XNNPACK, 1, NULL);
    run(ref, input, 42);
    run(x, input, 42);
    assert_agree(m, x, ref, what, AGREEMENT);
    romcv__inference_destroy(&x);
    romcv__inference_destroy(&ref);
    romcv__tflite_free(&m);
}

/* The first frame after 1 s of squat_side.mp4, the person's square
 * (crop=608:608:0:236), scaled to size x size, as floats in [lo, hi]. */
static float *person_crop(int size, float lo, float hi) {
    char *video = romcv_test_shared_file("samples/squat_side.mp4");
    char *dir = romcv_test_make_tmpdir();
    char *raw = romcv_test_path(dir, "crop.rgb");
    char command[4096], output[1024];
    snprintf(command, sizeof command,
             "ffmpeg -nostdin -v error -ss 1 -i '%s' -frames:v 1 -vf "
             "'crop=608:608:0:236,scale=%d:%d' -f rawvideo -pix_fmt rgb24 -y '%s'",
             video, size, size, raw);
    int status = romcv_test_run(command, output, sizeof output);
    ck_assert_msg(status == 0, "ffmpeg failed (%d): %s", status, output);
    size_t bytes;
    uint8_t *rgb = (uint8_t *)romcv_test_read_file(raw, &bytes);
    ck_assert_ptr_nonnull(rgb);
    ck_assert_uint_eq(bytes, (size_t)size * size * 3);
    float *crop = malloc(bytes * sizeof(float));
    ck_assert_ptr_nonnull(crop);
    for (size_t i = 0; i < bytes; i++)
        crop[i] = lo + (hi - lo) * (float)rgb[i] / 255.0f;
    free(rgb);
    free(raw);
    free(video);
    romcv_test_remove_tmpdir(dir);
    return crop;
}

/* ------------------------------------------------------------ real models */

/* About 30 s in the sanitizer build, the portable backend's heavy model being
 * most of it. */
START_TEST(models_agree_on_noise) {
    for (int id = 0; id < ROMCV_MODEL_COUNT; id++)
        check_model((RomcvModelId)id, NULL, "noise");
}
END_TEST

START_TEST(models_agree_on_a_person) {
    /* MediaPipe feeds the detector [-1,1] and the landmark models [0,1]. */
    float *crop224 = person_crop(224, -1.0f, 1.0f);
    check_model(ROMCV_MODEL_DETECTOR, crop224, "person");
    free(crop224);
    float *crop256 = person_crop(256, 0.0f, 1.0f);
    for (int id = ROMCV_MODEL_LANDMARK_LITE; id <= ROMCV_MODEL_LANDMARK_HEAVY; id++)
        check_model((RomcvModelId)id, crop256, "person");
    free(crop256);
}
END_TEST

/* The crop holds a person: every landmark model says so (a sanity check that
 * both agree on something meaningful, not on garbage). */
START_TEST(person_is_found) {
    float *crop = person_crop(256, 0.0f, 1.0f);
    for (int id = ROMCV_MODEL_LANDMARK_LITE; id <= ROMCV_MODEL_LANDMARK_HEAVY; id++) {
        RomcvTfliteModel *m = load_model((RomcvModelId)id);
        RomcvInference *x = create(m, ROMCV_INFERENCE_XNNPACK, 1, NULL);
        run(x, crop, 0);
        RomcvTensorView flag;
        ck_assert_int_eq(romcv__inference_output(x, "Identity_1", &flag), 0);
        printf("pose flag: %s %.4f\n", m->label, flag.data[0]);
        ck_assert_float_gt(flag.data[0], 0.9f);
        romcv__inference_destroy(&x);
        romcv__tflite_free(&m);
    }
    free(crop);
}
END_TEST

/* Pruning the segmentation and heatmap heads leaves the other outputs as they
 * were: same kernels, same order of operations. */
START_TEST(pruned_outputs_match_full_graph) {
    static const char *const wanted[] = {"Identity", "Identity_1", "Identity_4", NULL};
    float *crop = person_crop(256, 0.0f, 1.0f);
    RomcvTfliteModel *m = load_model(ROMCV_MODEL_LANDMARK_FULL);
    RomcvInference *all = create(m, ROMCV_INFERENCE_XNNPACK, 1, NULL);
    RomcvInference *pruned = create(m, ROMCV_INFERENCE_XNNPACK, 1, wanted);
    run(all, crop, 0);
    run(pruned, crop, 0);
    RomcvTensorView view;
    ck_assert_int_eq(romcv__inference_output(pruned, "Identity_2", &view), ROMCV_E_NOT_FOUND);
    /* Iterates over the reference's outputs: the pruned instance's. */
    assert_agree(m, all, pruned, "pruned", 1e-6);
    romcv__inference_destroy(&pruned);
    romcv__inference_destroy(&all);
    romcv__tflite_free(&m);
    free(crop);
}
END_TEST

/* Two worker threads split the work differently, not the arithmetic. */
START_TEST(two_threads_agree) {
    float *crop = person_crop(256, 0.0f, 1.0f);
    RomcvTfliteModel *m = load_model(ROMCV_MODEL_LANDMARK_LITE);
    RomcvInference *ref = create(m, ROMCV_INFERENCE_PORTABLE, 1, NULL);
    RomcvInference *x = create(m, ROMCV_INFERENCE_XNNPACK, 2, NULL);
    run(ref, crop, 0);
    for (int i = 0; i < 3; i++) { /* repeated runs reuse the set-up runtime */
        run(x, crop, 0);
        assert_agree(m, x, ref, "2thr", AGREEMENT);
    }
    romcv__inference_destroy(&x);
    romcv__inference_destroy(&ref);
    romcv__tflite_free(&m);
    free(crop);
}
END_TEST

/* ------------------------------------------------------- synthetic graphs */

/* The reader's example graph: DENSIFY/DEQUANTIZE folding, PAD, a RELU6
 * convolution, a depthwise convolution without bias, ADD, MAX_POOL_2D,
 * RESIZE_BILINEAR, DEPTH_TO_SPACE, two RESHAPEs feeding a CONCATENATION on
 * axis 1 (zero-copy parts) whose result feeds a LOGISTIC (so XNNPACK needs a
 * second runtime after the host concatenation). */
START_TEST(example_graph_agrees) {
    TfbModel description;
    tfb_example_model(&description);
    RomcvTfliteModel *m = load_built(&description);
    RomcvInference *ref = create(m, ROMCV_INFERENCE_PORTABLE, 1, NULL);
    RomcvInference *x = create(m, ROMCV_INFERENCE_XNNPACK, 1, NULL);
    for (uint32_t seed = 1; seed <= 3; seed++) {
        run(ref, NULL, seed);
        run(x, NULL, seed);
        assert_agree(m, x, ref, "noise", 1e-5);
    }
    romcv__inference_destroy(&x);
    romcv__inference_destroy(&ref);
    romcv__tflite_free(&m);
}
END_TEST

/* Concatenations the BlazePose graphs never have:
 *   c = concat(conv1x1(input), input) on the channel axis: strided copies, a
 *       graph input as a part, c both a graph output and read by a conv;
 *   d = conv3x3 SAME stride 2 RELU6 (c), in a second runtime;
 *   e = concat(d, d) on axis -1: one tensor twice;
 *   f = e + k (a broadcast constant), in a third runtime. */
static float weights_a[2 * 3], bias_a[2], weights_d[4 * 3 * 3 * 5], bias_d[4], k_add[8];

static void channel_concat_model(TfbModel *m) {
    fill_noise(weights_a, 6, 11);
    fill_noise(bias_a, 2, 12);
    fill_noise(weights_d, 180, 13);
    for (int i = 0; i < 180; i++)
        weights_d[i] -= 0.5f;
    fill_noise(bias_d, 4, 14);
    fill_noise(k_add, 8, 15);
    memset(m, 0, sizeof *m);
    static const int32_t codes[] = {3, 2, 0}; /* CONV_2D, CONCATENATION, ADD */
    m->n_opcodes = 3;
    memcpy(m->opcodes, codes, sizeof codes);
    m->n_buffers = 6;
    m->buffers[1].data = weights_a, m->buffers[1].size = sizeof weights_a;
    m->buffers[2].data = bias_a, m->buffers[2].size = sizeof bias_a;
    m->buffers[3].data = weights_d, m->buffers[3].size = sizeof weights_d;
    m->buffers[4].data = bias_d, m->buffers[4].size = sizeof bias_d;
    m->buffers[5].data = k_add, m->buffers[5].size = sizeof k_add;
    const TfbTensor t[] = {
        {4, {1, 6, 6, 3}, 0, 0, "input", NULL},
        {4, {2, 1, 1, 3}, 0, 1, "w_a", NULL},
        {1, {2}, 0, 2, "b_a", NULL},
        {4, {1, 6, 6, 2}, 0, 0, "a", NULL},
        {4, {1, 6, 6, 5}, 0, 0, "Identity_1", NULL},
        {4, {4, 3, 3, 5}, 0, 3, "w_d", NULL},
        {1, {4}, 0, 4, "b_d", NULL},
        {4, {1, 3, 3, 4}, 0, 0, "d", NULL},
        {4, {1, 3, 3, 8}, 0, 0, "e", NULL},
        {1, {8}, 0, 5, "k", NULL},
        {4, {1, 3, 3, 8}, 0, 0, "Identity", NULL},
    };
    m->n_tensors = (int)(sizeof t / sizeof t[0]);
    memcpy(m->tensors, t, sizeof t);
    const TfbOp ops[] = {
        {0, 3, 1, {0, 1, 2}, {3}, 1, 6, {1, 1, 1, 0, 1, 1}}, /* CONV_2D VALID */
        {1, 2, 1, {3, 0}, {4}, 10, 2, {3, 0}},               /* CONCATENATION axis 3 */
        {0, 3, 1, {4, 5, 6}, {7}, 1, 6, {0, 2, 2, 3, 1, 1}}, /* CONV_2D SAME /2 RELU6 */
        {1, 2, 1, {7, 7}, {8}, 10, 2, {-1, 0}},              /* CONCATENATION axis -1 */
        {2, 2, 1, {8, 9}, {10}, 11, 1, {0}},                 /* ADD */
    };
    m->n_ops = (int)(sizeof ops / sizeof ops[0]);
    memcpy(m->ops, ops, sizeof ops);
    m->n_inputs = 1;
    m->inputs[0] = 0;
    m->n_outputs = 2;
    m->outputs[0] = 10;
    m->outputs[1] = 4;
}

START_TEST(channel_concatenations_agree) {
    TfbModel description;
    channel_concat_model(&description);
    RomcvTfliteModel *m = load_built(&description);
    RomcvInference *ref = create(m, ROMCV_INFERENCE_PORTABLE, 1, NULL);
    RomcvInference *x = create(m, ROMCV_INFERENCE_XNNPACK, 1, NULL);
    RomcvInference *x2 = create(m, ROMCV_INFERENCE_XNNPACK, 2, NULL);
    for (uint32_t seed = 1; seed <= 3; seed++) {
        run(ref, NULL, seed);
        run(x, NULL, seed);
        run(x2, NULL, seed);
        assert_agree(m, x, ref, "noise", 1e-5);
        assert_agree(m, x2, ref, "2thr", 1e-5);
    }
    romcv__inference_destroy(&x2);
    romcv__inference_destroy(&x);
    romcv__inference_destroy(&ref);
    romcv__tflite_free(&m);
}
END_TEST

#else /* !ROMCV_HAVE_XNNPACK */

/* Without XNNPACK there is nothing to compare; asking for it must fail
 * cleanly rather than fall back silently. */
START_TEST(xnnpack_absent_is_reported) {
    RomcvTfliteModel *m = load_model(ROMCV_MODEL_LANDMARK_LITE);
    RomcvInferenceSettings settings;
    romcv__inference_default_settings(&settings);
    settings.backend = ROMCV_INFERENCE_XNNPACK;
    RomcvInference *inference = NULL;
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv__inference_create(&inference, m, &settings, &diag), ROMCV_E_UNSUPPORTED);
    ck_assert_ptr_null(inference);
    romcv__tflite_free(&m);
}
END_TEST

#endif

int main(void) {
    Suite *suite = suite_create("backends");
    TCase *tc = tcase_create("backends");
#if ROMCV_HAVE_XNNPACK
    tcase_add_test(tc, example_graph_agrees);
    tcase_add_test(tc, channel_concatenations_agree);
    tcase_add_test(tc, models_agree_on_noise);
    tcase_add_test(tc, models_agree_on_a_person);
    tcase_add_test(tc, person_is_found);
    tcase_add_test(tc, pruned_outputs_match_full_graph);
    tcase_add_test(tc, two_threads_agree);
#else
    tcase_add_test(tc, xnnpack_absent_is_reported);
#endif
    suite_add_tcase(suite, tc);
    return romcv_test_main(suite);
}
