/*
 * vision/tracker.c: the MediaPipe Pose graph (pose_landmark_cpu.pbtxt) as a
 * state machine: detect when nothing is tracked, otherwise crop the ROI the
 * previous frame's auxiliary landmarks gave; run the landmark model; drop the
 * person when the pose flag falls below min_tracking_confidence; smooth.
 *
 * Person selection goes beyond MediaPipe (which always takes the detector's
 * best-scoring person): --person X,Y picks the detection whose body ROI holds
 * that point in the first frame with someone in it, and after a loss the
 * re-detection prefers the person nearest (in position and size) to where
 * the tracked one was last, so a mirror reflection or a passer-by scoring
 * higher does not steal the track. When the nearest detection has no body
 * (pose flag below threshold, e.g. where the person just left), the next
 * ranked ones are tried in the same frame, up to MAX_CANDIDATES.
 *
 * With identical input frames and timestamps this reproduces MediaPipe's web
 * build to about 1e-5 of the frame (the residual is float arithmetic order in
 * the models).
 */
#include "romcv/vision.h"

#include "vision/image_to_tensor.h"
#include "vision/inference.h"
#include "vision/pose_detector.h"
#include "vision/pose_landmarks.h"
#include "vision/smoothing.h"
#include "vision/tflite.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Timestamps handed to the filters: the frame time rounded to whole
 * milliseconds, in microseconds, plus this offset. MediaPipe's
 * OneEuroFilter treats a timestamp of 0 as "unset" (its first frame would
 * pass unfiltered and leave the filter uninitialised); the reference runs
 * start at 2000 ms for the same reason. Only differences matter otherwise. */
#define TIME_OFFSET_US 2000000

/* Most detections kept after decoding (the detector's 2254 anchors rarely
 * give more than a few dozen above threshold). */
#define MAX_DETECTIONS 2254

struct RomcvTracker {
    RomcvTrackerSettings settings;
    char errmsg[ROMCV_DIAG_MESSAGE_SIZE];

    RomcvTfliteModel *det_model, *lm_model;
    RomcvInference *det, *lm;
    const char *det_boxes_name, *det_scores_name;

    float (*anchors)[2];
    RomcvPoseDetection *decoded; /* MAX_DETECTIONS */
    RomcvPoseDetection *kept;    /* MAX_DETECTIONS */

    /* Tracking state. */
    int tracking;           /* prev_roi is valid: skip the detector */
    RomcvPoseRect prev_roi; /* roi_from_landmarks of the previous frame */
    int person_pending;     /* --person not yet resolved */
    int has_last;           /* where the person was last seen */
    RomcvPoseRect last_roi;
    int64_t last_time_us;
    int frames;

    RomcvLandmarkSmoother smooth_body, smooth_world, smooth_aux;
    RomcvVisibilitySmoother vis_body, vis_world, vis_aux;

    float *mask;      /* frame-sized segmentation, or NULL */
    float *prev_mask; /* the previous frame's (smoothed) mask */
    int mask_w, mask_h, mask_valid, prev_mask_valid;
};

void romcv_tracker_default_settings(RomcvTrackerSettings *s) {
    memset(s, 0, sizeof(*s));
    s->model = ROMCV_MODEL_LANDMARK_FULL;
    s->smooth = 1;
    /* mediapipe/python/solutions/pose.py (and the JS solution): 0.5 each. */
    s->min_detection_confidence = 0.5f;
    s->min_tracking_confidence = 0.5f;
    s->threads = 1;
    s->logger.max_level = ROMCV_LOG_WARNING;
}

static int load_model(const char *dir, RomcvModelId id, RomcvTfliteModel **out, RomcvDiag *diag) {
    int rc = romcv_model_verify(dir, id, NULL, diag);
    if (rc < 0) {
        return rc;
    }
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, romcv_model_info(id)->file_name) >=
        (int)sizeof path) {
        return romcv_diag_set(diag, ROMCV_ERR(ENAMETOOLONG), "%s: path too long", dir);
    }
    rc = romcv__tflite_load_file(out, path, diag);
    if (rc < 0) {
        return rc;
    }
    rc = romcv__tflite_materialise_constants(*out, diag);
    if (rc >= 0) {
        rc = romcv__tflite_check_supported(*out, diag);
    }
    if (rc < 0) {
        romcv__tflite_free(out);
    }
    return rc;
}

static void init_smoothers(RomcvTracker *t) {
    romcv__smoother_init(&t->smooth_body, ROMCV_SMOOTH_MIN_CUTOFF, ROMCV_SMOOTH_BETA,
                         ROMCV_SMOOTH_DERIVATE_CUTOFF, 0);
    romcv__smoother_init(&t->smooth_world, ROMCV_SMOOTH_WORLD_MIN_CUTOFF, ROMCV_SMOOTH_WORLD_BETA,
                         ROMCV_SMOOTH_DERIVATE_CUTOFF, 1);
    romcv__smoother_init(&t->smooth_aux, ROMCV_SMOOTH_AUX_MIN_CUTOFF, ROMCV_SMOOTH_AUX_BETA,
                         ROMCV_SMOOTH_DERIVATE_CUTOFF, 0);
    romcv__visibility_init(&t->vis_body, ROMCV_SMOOTH_VISIBILITY_ALPHA);
    romcv__visibility_init(&t->vis_world, ROMCV_SMOOTH_VISIBILITY_ALPHA);
    romcv__visibility_init(&t->vis_aux, ROMCV_SMOOTH_VISIBILITY_ALPHA);
}

static void reset_smoothers(RomcvTracker *t) {
    /* LandmarksSmoothingCalculator and VisibilitySmoothingCalculator reset
     * their filters on a timestamp without landmarks. */
    romcv__smoother_reset(&t->smooth_body);
    romcv__smoother_reset(&t->smooth_world);
    romcv__smoother_reset(&t->smooth_aux);
    romcv__visibility_reset(&t->vis_body);
    romcv__visibility_reset(&t->vis_world);
    romcv__visibility_reset(&t->vis_aux);
}

int romcv_tracker_create(RomcvTracker **out, const RomcvTrackerSettings *settings,
                         RomcvDiag *diag) {
    if (!out) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "tracker: no output pointer");
    }
    *out = NULL;
    if (!settings || !settings->models_dir) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "tracker: no models folder given");
    }
    if (settings->model != ROMCV_MODEL_LANDMARK_LITE &&
        settings->model != ROMCV_MODEL_LANDMARK_FULL &&
        settings->model != ROMCV_MODEL_LANDMARK_HEAVY) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "tracker: model %d is not a landmark model",
                              (int)settings->model);
    }
    RomcvTracker *t = calloc(1, sizeof(*t));
    if (!t) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "tracker: out of memory");
    }
    t->settings = *settings;
    t->settings.models_dir = NULL; /* borrowed for this call only */
    int rc = 0;
    t->anchors = malloc(sizeof(*t->anchors) * ROMCV_DETECTOR_ANCHORS);
    t->decoded = malloc(sizeof(*t->decoded) * MAX_DETECTIONS);
    t->kept = malloc(sizeof(*t->kept) * MAX_DETECTIONS);
    if (!t->anchors || !t->decoded || !t->kept) {
        rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "tracker: out of memory");
        goto error;
    }
    romcv__pose_anchors(t->anchors, ROMCV_DETECTOR_ANCHORS);

    rc = load_model(settings->models_dir, ROMCV_MODEL_DETECTOR, &t->det_model, diag);
    if (rc < 0) {
        goto error;
    }
    rc = load_model(settings->models_dir, settings->model, &t->lm_model, diag);
    if (rc < 0) {
        goto error;
    }

    /* The detector's outputs by shape: [1, 2254, 12] regressors and
     * [1, 2254, 1] scores (names differ between exports). */
    for (int i = 0; i < t->det_model->n_outputs; i++) {
        const RomcvTfliteTensor *tt = &t->det_model->tensors[t->det_model->outputs[i]];
        const int last = tt->rank > 0 ? tt->dims[tt->rank - 1] : 0;
        if (tt->count == (size_t)ROMCV_DETECTOR_ANCHORS * ROMCV_DETECTOR_COORDS && last == 12) {
            t->det_boxes_name = tt->name;
        } else if (tt->count == ROMCV_DETECTOR_ANCHORS && last == 1) {
            t->det_scores_name = tt->name;
        }
    }
    if (!t->det_boxes_name || !t->det_scores_name) {
        rc = romcv_diag_set(diag, ROMCV_E_INVALID_DATA,
                            "%s: outputs are not [1,2254,12] and [1,2254,1]",
                            romcv_model_info(ROMCV_MODEL_DETECTOR)->file_name);
        goto error;
    }

    RomcvInferenceSettings is;
    romcv__inference_default_settings(&is);
    is.backend = (RomcvInferenceBackend)settings->backend;
    is.threads = settings->threads > 0 ? settings->threads : 1;
    is.logger = settings->logger;
    rc = romcv__inference_create(&t->det, t->det_model, &is, diag);
    if (rc < 0) {
        goto error;
    }
    /* Only what the graph uses: landmarks, pose flag, heatmap (refinement),
     * world landmarks, and the segmentation logits only when asked for (the
     * segmentation branch is about a third of the work, inference.md). */
    static const char *const lm_outputs[] = {"Identity", "Identity_1", "Identity_3", "Identity_4",
                                             NULL};
    static const char *const lm_outputs_seg[] = {"Identity",   "Identity_1", "Identity_2",
                                                 "Identity_3", "Identity_4", NULL};
    is.outputs = settings->segmentation ? lm_outputs_seg : lm_outputs;
    rc = romcv__inference_create(&t->lm, t->lm_model, &is, diag);
    if (rc < 0) {
        goto error;
    }
    init_smoothers(t);
    t->person_pending = settings->has_person;
    *out = t;
    return 0;
error:
    romcv_tracker_destroy(&t);
    return rc;
}

void romcv_tracker_destroy(RomcvTracker **tracker) {
    if (!tracker || !*tracker) {
        return;
    }
    RomcvTracker *t = *tracker;
    romcv__inference_destroy(&t->det);
    romcv__inference_destroy(&t->lm);
    romcv__tflite_free(&t->det_model);
    romcv__tflite_free(&t->lm_model);
    free(t->anchors);
    free(t->decoded);
    free(t->kept);
    free(t->mask);
    free(t->prev_mask);
    free(t);
    *tracker = NULL;
}

const char *romcv_tracker_errmsg(const RomcvTracker *tracker) {
    return tracker ? tracker->errmsg : "";
}

void romcv_tracker_reset(RomcvTracker *tracker) {
    if (!tracker) {
        return;
    }
    tracker->tracking = 0;
    reset_smoothers(tracker);
}

const float *romcv_tracker_segmentation(const RomcvTracker *tracker, int *width, int *height) {
    if (!tracker || !tracker->mask_valid) {
        return NULL;
    }
    if (width) {
        *width = tracker->mask_w;
    }
    if (height) {
        *height = tracker->mask_h;
    }
    return tracker->mask;
}

static int fail(RomcvTracker *t, const RomcvDiag *d) {
    snprintf(t->errmsg, sizeof t->errmsg, "%s", d->message);
    return d->code;
}

/* After a loss, how many of the ranked detections to try when the nearest
 * one's pose flag fails (a detection with no body, e.g. where the person
 * just left): each try costs one landmark inference. */
#define MAX_CANDIDATES 3

/* Which of n detections (best score first) to try, in order, into order[];
 * returns how many. See the file comment and romcv__pose_rank(). */
static int choose_order(RomcvTracker *t, const RomcvPoseDetection *dets, int n, int width,
                        int height, int *order) {
    if (t->person_pending) {
        /* The user's pick only: if it is not confirmed, wait for a frame
         * where it is rather than take someone else. */
        const float point[2] = {t->settings.person_x / (float)width,
                                t->settings.person_y / (float)height};
        romcv__pose_rank(dets, n, width, height, point, NULL, order);
        return 1;
    }
    if (!t->has_last || (t->settings.static_mode && !t->settings.has_person)) {
        order[0] = 0; /* MediaPipe's choice, and only it */
        return 1;
    }
    const int ranked = romcv__pose_rank(dets, n, width, height, NULL, &t->last_roi, order);
    return ranked < MAX_CANDIDATES ? ranked : MAX_CANDIDATES;
}

/* Detector on the letterboxed frame; returns the number of detections in
 * t->kept (best first, frame-normalised) or a negative code. */
static int detect(RomcvTracker *t, const RomcvFrame *frame, RomcvDiag *diag) {
    RomcvTensorView in;
    int rc = romcv__inference_input(t->det, 0, &in);
    if (rc < 0) {
        return romcv_diag_set(diag, rc, "detector: no input tensor");
    }
    RomcvRotatedRect whole = romcv__roi_to_pixels(NULL, frame->width, frame->height);
    float padding[4];
    romcv__roi_pad(ROMCV_DETECTOR_SIZE, ROMCV_DETECTOR_SIZE, &whole, padding);
    romcv__image_to_tensor(frame, &whole, ROMCV_DETECTOR_SIZE, ROMCV_DETECTOR_SIZE,
                           ROMCV_DETECTOR_RANGE_MIN, ROMCV_DETECTOR_RANGE_MAX, ROMCV_BORDER_ZERO,
                           in.data);
    rc = romcv__inference_run(t->det, diag);
    if (rc < 0) {
        return rc;
    }
    RomcvTensorView boxes, scores;
    if (romcv__inference_output(t->det, t->det_boxes_name, &boxes) < 0 ||
        romcv__inference_output(t->det, t->det_scores_name, &scores) < 0) {
        return romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "detector: outputs missing");
    }
    const int n =
        romcv__pose_decode(boxes.data, scores.data, (const float(*)[2])t->anchors,
                           t->settings.min_detection_confidence, t->decoded, MAX_DETECTIONS);
    const int kept = romcv__pose_weighted_nms(t->decoded, n, ROMCV_DETECTOR_NMS_THRESHOLD, t->kept,
                                              MAX_DETECTIONS);
    for (int i = 0; i < kept; i++) {
        romcv__pose_remove_letterbox(&t->kept[i], padding);
    }
    return kept;
}

/* The landmark model's outputs for one ROI. */
typedef struct LandmarkRun {
    RomcvTensorView lm, flag, heatmap, world;
    float padding[4];
} LandmarkRun;

/* Crops roi to 256x256 (pose_landmark_by_roi_cpu.pbtxt) and runs the
 * landmark model; run->flag.data[0] is the pose flag. */
static int run_landmark_model(RomcvTracker *t, const RomcvFrame *frame, const RomcvPoseRect *roi,
                              LandmarkRun *run, RomcvDiag *diag) {
    RomcvTensorView in;
    int rc = romcv__inference_input(t->lm, 0, &in);
    if (rc < 0) {
        return romcv_diag_set(diag, rc, "landmarks: no input tensor");
    }
    RomcvRotatedRect crop = romcv__roi_to_pixels(roi, frame->width, frame->height);
    romcv__roi_pad(ROMCV_LANDMARK_SIZE, ROMCV_LANDMARK_SIZE, &crop, run->padding);
    romcv__image_to_tensor(frame, &crop, ROMCV_LANDMARK_SIZE, ROMCV_LANDMARK_SIZE, 0.0f, 1.0f,
                           ROMCV_BORDER_REPLICATE, in.data);
    rc = romcv__inference_run(t->lm, diag);
    if (rc < 0) {
        return rc;
    }
    if (romcv__inference_output(t->lm, "Identity", &run->lm) < 0 ||
        romcv__inference_output(t->lm, "Identity_1", &run->flag) < 0 ||
        romcv__inference_output(t->lm, "Identity_3", &run->heatmap) < 0 ||
        romcv__inference_output(t->lm, "Identity_4", &run->world) < 0 ||
        run->lm.count < ROMCV_LANDMARK_ALL * 5 || run->world.count < ROMCV_LANDMARK_ALL * 3 ||
        run->flag.count < 1 || run->heatmap.rank != 4 ||
        run->heatmap.dims[3] != ROMCV_LANDMARK_ALL) {
        return romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "landmarks: unexpected model outputs");
    }
    return 0;
}

/* ThresholdingCalculator accepts flag > threshold, compared in double. */
static int pose_present(const RomcvTracker *t, float flag) {
    return (double)flag > (double)t->settings.min_tracking_confidence;
}

static void lose(RomcvTracker *t, RomcvPose *out) {
    out->found = 0;
    t->tracking = 0;
    t->mask_valid = 0;
    t->prev_mask_valid = 0;
    reset_smoothers(t);
}

int romcv_tracker_process(RomcvTracker *t, const RomcvFrame *frame, RomcvPose *out) {
    RomcvDiag diag = {0};
    if (!t || !frame || !out) {
        return ROMCV_ERR(EINVAL);
    }
    memset(out, 0, sizeof(*out));
    t->errmsg[0] = '\0';
    t->mask_valid = 0;
    if (frame->format != ROMCV_PIX_RGB24) {
        romcv_diag_set(&diag, ROMCV_E_UNSUPPORTED, "tracker: frames must be RGB24");
        return fail(t, &diag);
    }
    const int W = frame->width, H = frame->height;
    /* Whole milliseconds: MediaPipe's web solution takes frame times in ms
     * (the reference's send_timestamp_ms), and the filters' rates come from
     * timestamp differences, so rounding the same way reproduces its
     * smoothing exactly (a 1 ms difference in a 33 ms step changes alpha). */
    int64_t now_us = llround(frame->time_s * 1e3) * 1000 + TIME_OFFSET_US;
    if (t->frames > 0 && now_us <= t->last_time_us) {
        /* MediaPipe requires increasing timestamps; keep them so. */
        now_us = t->last_time_us + 1;
    }
    t->last_time_us = now_us;
    t->frames++;

    RomcvPoseRect roi;
    LandmarkRun run;
    if (t->settings.static_mode || !t->tracking) {
        const int n = detect(t, frame, &diag);
        if (n < 0) {
            return fail(t, &diag);
        }
        if (n == 0) {
            lose(t, out);
            return 0;
        }
        int order[ROMCV_POSE_RANK_MAX];
        const int tries = choose_order(t, t->kept, n, W, H, order);
        int pick = order[0];
        for (int k = 0; k < tries; k++) {
            pick = order[k];
            romcv__pose_detection_to_roi(&t->kept[pick], W, H, &roi);
            if (run_landmark_model(t, frame, &roi, &run, &diag) < 0) {
                return fail(t, &diag);
            }
            if (pose_present(t, run.flag.data[0])) {
                break;
            }
        }
        out->has_detection = 1;
        out->detection = t->kept[pick];
        out->has_roi_from_detection = 1;
        out->roi_from_detection = roi;
    } else {
        roi = t->prev_roi;
        if (run_landmark_model(t, frame, &roi, &run, &diag) < 0) {
            return fail(t, &diag);
        }
    }
    out->roi = roi;
    out->score = run.flag.data[0];
    if (!pose_present(t, out->score)) {
        lose(t, out);
        return 0;
    }

    const float *padding = run.padding;
    RomcvTensorView v_lm = run.lm, v_hm = run.heatmap, v_world = run.world;
    RomcvLandmark all[ROMCV_LANDMARK_ALL];
    romcv__landmarks_decode(v_lm.data, all, ROMCV_LANDMARK_ALL);
    romcv__landmarks_refine(all, ROMCV_LANDMARK_ALL, v_hm.data, v_hm.dims[1], v_hm.dims[2],
                            ROMCV_HEATMAP_KERNEL, ROMCV_HEATMAP_MIN_CONF);
    romcv__landmarks_remove_letterbox(all, ROMCV_LANDMARK_ALL, padding);
    romcv__landmarks_project(all, ROMCV_LANDMARK_ALL, &roi);
    RomcvLandmark world[ROMCV_LANDMARK_ALL];
    romcv__world_landmarks_decode(v_world.data, &roi, world, ROMCV_LANDMARK_ALL);
    for (int i = 0; i < ROMCV_POSE_LANDMARKS; i++) {
        /* VisibilityCopyCalculator: copy_visibility, copy_presence. */
        world[i].visibility = all[i].visibility;
        world[i].presence = all[i].presence;
    }

    if (t->settings.segmentation) {
        RomcvTensorView v_seg;
        if (romcv__inference_output(t->lm, "Identity_2", &v_seg) == 0 && v_seg.rank == 4) {
            if (!t->mask || t->mask_w != W || t->mask_h != H) {
                free(t->mask);
                free(t->prev_mask);
                t->mask = malloc(sizeof(float) * (size_t)W * (size_t)H);
                t->prev_mask = malloc(sizeof(float) * (size_t)W * (size_t)H);
                t->prev_mask_valid = 0;
                if (!t->mask || !t->prev_mask) {
                    romcv_diag_set(&diag, ROMCV_ERR(ENOMEM), "segmentation: out of memory");
                    return fail(t, &diag);
                }
                t->mask_w = W;
                t->mask_h = H;
            }
            romcv__segmentation_to_frame(v_seg.data, v_seg.dims[1], &roi, W, H, t->mask);
            /* PoseSegmentationFiltering: blend with the previous frame's
             * mask when there is one and smoothing is on. */
            const size_t pixels = (size_t)W * (size_t)H;
            if (t->prev_mask_valid && t->settings.smooth && !t->settings.static_mode) {
                romcv__segmentation_smooth(t->mask, t->prev_mask, pixels,
                                           ROMCV_SEGMENTATION_COMBINE_RATIO);
            }
            memcpy(t->prev_mask, t->mask, sizeof(float) * pixels);
            t->prev_mask_valid = 1;
            t->mask_valid = 1;
        }
    }

    /* pose_landmark_filtering.pbtxt. The object scale for the image
     * landmarks is the unfiltered auxiliary landmarks' alignment rect. */
    RomcvLandmark *aux = all + ROMCV_LANDMARK_AUX_FIRST;
    RomcvPoseRect object;
    romcv__landmarks_object_rect(aux, W, H, &object);
    const float object_scale = (object.width * (float)W + object.height * (float)H) / 2.0f;
    const int smooth = t->settings.smooth && !t->settings.static_mode;
    if (smooth) {
        romcv__visibility_apply(&t->vis_body, all, ROMCV_POSE_LANDMARKS);
        romcv__smoother_apply(&t->smooth_body, all, ROMCV_POSE_LANDMARKS, now_us, W, H,
                              object_scale);
        romcv__visibility_apply(&t->vis_world, world, ROMCV_POSE_LANDMARKS);
        romcv__smoother_apply(&t->smooth_world, world, ROMCV_POSE_LANDMARKS, now_us, 0, 0, 1.0f);
    }
    /* The auxiliary landmarks are filtered even with smoothing off (they
     * are outside the graph's SwitchContainer). In static mode every frame
     * stands alone, so their filter starts afresh each time (which passes
     * the first value through). */
    if (t->settings.static_mode) {
        romcv__smoother_reset(&t->smooth_aux);
        romcv__visibility_reset(&t->vis_aux);
    }
    romcv__visibility_apply(&t->vis_aux, aux, ROMCV_LANDMARK_AUX);
    romcv__smoother_apply(&t->smooth_aux, aux, ROMCV_LANDMARK_AUX, now_us, W, H, object_scale);
    romcv__landmarks_to_roi(aux, W, H, &out->roi_from_landmarks);
    out->has_roi_from_landmarks = 1;

    out->found = 1;
    memcpy(out->landmarks, all, sizeof(out->landmarks));
    memcpy(out->world_landmarks, world, sizeof(out->world_landmarks));

    t->prev_roi = out->roi_from_landmarks;
    t->tracking = !t->settings.static_mode;
    t->has_last = 1;
    t->last_roi = out->roi_from_landmarks;
    if (t->person_pending) {
        t->person_pending = 0;
    }
    return 0;
}
